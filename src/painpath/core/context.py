"""Per-request context (request id) carried through to audit rows and logs without threading it by hand."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


# A caller's id is echoed into our logs and headers, so only a short run of safe characters is taken.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def accepted_request_id(offered: str | None) -> str:
    """The client's x-request-id when it is short and plain, else a fresh one."""
    if offered and _SAFE_REQUEST_ID.fullmatch(offered):
        return offered
    return new_request_id()
