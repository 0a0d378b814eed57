"""The app as uvicorn imports it in each web process: `painpath.web.asgi:app_from_settings` (a factory).

`painpath serve --workers N` hands uvicorn this import string rather than an app object, so each of the
N processes builds its own context (database pool, knowledge packs) from the PAINPATH_* environment after
it starts. A pool or a lock must never be shared across a fork.
"""

from __future__ import annotations

from fastapi import FastAPI

from painpath.context import build_context
from painpath.core.config import get_settings
from painpath.core.logging import configure_logging
from painpath.core.runtime import settle_after_start_up
from painpath.web.app import create_app

IMPORT_STRING = "painpath.web.asgi:app_from_settings"


def app_from_settings() -> FastAPI:
    configure_logging()
    context = build_context(get_settings())
    settle_after_start_up()
    return create_app(context)
