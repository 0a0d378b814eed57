"""The FastAPI application: pages, JSON API, static files, error handling and request ids."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles

from painpath.context import AppContext
from painpath.core.context import accepted_request_id, request_id_var
from painpath.core.logging import get_logger
from painpath.slices import page_modules, slice_modules
from painpath.web.error_responses import ERROR_RESPONSES
from painpath.web.errors import install_error_handlers
from painpath.web.retry import RetryWriteConflicts
from painpath.web.security_headers import apply_security_headers

log = get_logger("painpath.web")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _routers():  # noqa: ANN202
    # Imported here so building the app is the only place that pulls in every slice's routes.
    from painpath.web import account, admin_alerts, audit_log, clinic_settings, users

    return [account.router, admin_alerts.router, audit_log.router, clinic_settings.router, users.router] + [
        m.router for m in (*slice_modules("views"), *page_modules())]


@cache
def _route_table() -> tuple:
    """Every slice's routes, each saying it may refuse with the one error shape (the OpenAPI document says so),
    built once per process. Including a router makes FastAPI analyse each route's signature and models (about a
    second for some 700 routes); the routes hold nothing of one app (they reach the clinic's context through
    request.app.state), so every app built in this process (the test suite builds one per test) shares them."""
    table = APIRouter()
    for router in _routers():
        table.include_router(router, responses=ERROR_RESPONSES)
    return tuple(table.routes)


def create_app(context: AppContext) -> FastAPI:
    app = FastAPI(
        title="painpath",
        version="0.1.0",
        # The OpenAPI document is served by a route that declares its permission (web/account.py).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app)
    # Added before request_context, so it sits inside it: the request is logged once, with its final status.
    app.add_middleware(RetryWriteConflicts)

    @app.middleware("http")
    async def request_context(request: Request, call_next):  # noqa: ANN001, ANN202
        request_id = accepted_request_id(request.headers.get("x-request-id"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
            # The route template (/api/patients/{patient_id}), never the query string: searches carry names.
            route = request.scope.get("route")
            log.info(
                "request", method=request.method, route=getattr(route, "path", "unmatched"),
                status=response.status_code, ms=round((time.perf_counter() - started) * 1000, 1),
            )
        finally:
            request_id_var.reset(token)
        response.headers["x-request-id"] = request_id
        apply_security_headers(response, demo_mode=context.settings.demo_mode)
        # Pages carry PHI and must not be cached; our own static files may be.
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    app.router.routes.extend(_route_table())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
