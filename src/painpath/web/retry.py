"""Run a GET again when its read-first SQLite transaction lost the race to write (core/db.py).

A GET reads without the write lock so readers run side by side; at its first write it must check that
nobody committed since its reads began. If somebody did, it raises WriteConflict before anything was
sent, and this middleware runs the request once more, marked so that its transaction takes the write lock
from the start (and so cannot conflict again). Only GET and HEAD: they carry no body to replay, and their
only side effects are database writes, which were rolled back.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from painpath.core.db import WriteConflict
from painpath.core.logging import get_logger

log = get_logger("painpath.web")
_RERUN = "painpath.rerun_as_writer"


def is_rerun(request: Request) -> bool:
    """True when this request is the second run after a WriteConflict: hold the write lock throughout."""
    return bool(request.scope.get(_RERUN))


class RetryWriteConflicts:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except WriteConflict:
            if started:
                raise
            log.info("write_conflict_rerun", method=scope["method"])
            await self.app({**scope, _RERUN: True}, receive, send)
