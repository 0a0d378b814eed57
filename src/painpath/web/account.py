"""Sign-in, sign-out, the home redirect, the health check and the OpenAPI document."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from painpath.core.auth import service as auth_service
from painpath.core.auth import throttle
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError
from painpath.core.tenancy import Clinic
from painpath.portal.access import NoPortalAccount, portal_patient
from painpath.core.validation import SafeText
from painpath.web.deps import SESSION_COOKIE, AppCtx, Caller, DbSession, public, requires
from painpath.web.templating import templates

router = APIRouter()
LOGIN_CSRF_COOKIE = "painpath_login_csrf"


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths, so the login form cannot be used as an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _policy(ctx) -> auth_service.AuthPolicy:  # noqa: ANN001
    s = ctx.settings
    return auth_service.AuthPolicy(
        lockout_failures=s.lockout_failures, lockout_minutes=s.lockout_minutes, session_hours=s.session_hours,
        address_failures=s.address_failures, address_window_minutes=s.address_window_minutes,
    )


@router.get("/login", dependencies=[public()])
def login_form(request: Request, next: SafeText | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "login_csrf": token, "error": None, "caller": None}
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


# What a sign-in without one of its fields is told, next to that field.
MISSING = {"username": "Enter your username", "password": "Enter your password"}


def _login_page(request: Request, next: str, username: str, status: int, *, error: str | None = None,
                missing: dict[str, str] | None = None) -> Response:
    """The sign-in form again with a fresh CSRF token, the username as typed and why it was refused."""
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html",
        {"next": _safe_next(next), "login_csrf": token, "error": error, "missing": missing or {}, "username": username, "caller": None},
        status_code=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    ctx: AppCtx,
    session: DbSession,
    login_csrf: Annotated[str, Form()],
    username: Annotated[SafeText, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[SafeText, Form()] = "/",
) -> Response:
    # An empty field is a typing slip, not a failed sign-in: said at the field, and nothing is counted.
    missing = {name: message for name, message in MISSING.items() if not {"username": username.strip(), "password": password}[name]}
    if missing:
        return _login_page(request, next, username, 422, missing=missing)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    # Compared as bytes: compare_digest refuses non-ASCII text, and a forged token may be anything.
    policy = _policy(ctx)
    address = throttle.client_address(request.client.host if request.client else None)
    error, status = None, 401
    if throttle.is_throttled(session, address, policy):
        error, status = throttle.refusal_message(policy), 429
    elif not cookie or not secrets.compare_digest(cookie.encode(), login_csrf.encode()):
        error = "The sign-in form expired; please try again."
    else:
        try:
            # A patient signs in with their e-mail address, stored lower-case: any capitalization works.
            name = username.strip().lower() if "@" in username else username.strip()
            user = auth_service.authenticate(session, name, password, policy)
        except DomainError as exc:
            error = exc.problems[0].message
            throttle.record_failure(session, address)
    if error is not None:
        # The failed-attempt counter must persist even though we answer with an error page.
        session.commit()
        return _login_page(request, next, username, status, error=error)
    token, _row = auth_service.open_session(session, user, policy)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=ctx.settings.session_cookie_secure,
        max_age=ctx.settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHENTICATED)]) -> Response:
    auth_service.close_session(session, caller.session_row, caller.user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHENTICATED)]) -> Response:
    """Staff land on their worklist; a patient on the portal (or a page saying their access is not active);
    others on the page their role allows."""
    if caller.can(Permission.WORKLIST_READ):
        return RedirectResponse("/worklist?mine=true", status_code=303)
    if caller.can(Permission.PORTAL_USE):
        try:
            portal_patient(session, caller.actor)
        except NoPortalAccount:
            return _access_not_active(request, session, caller)
        return RedirectResponse("/portal", status_code=303)
    return RedirectResponse("/account", status_code=303)


def _access_not_active(request: Request, session, caller: Caller) -> Response:  # noqa: ANN001
    """A patient whose access was revoked (or never tied to a record): what happened and whom to call."""
    clinic = session.get(Clinic, caller.user.clinic_id)
    return templates.TemplateResponse(request, "portal/access_not_active.html", {"caller": caller, "clinic": clinic}, status_code=403)


@router.get("/account")
def account_page(request: Request, session: DbSession, caller: Annotated[Caller, requires(Permission.AUTHENTICATED)]) -> Response:
    portal_active = False
    if caller.can(Permission.PORTAL_USE):
        try:
            portal_patient(session, caller.actor)
            portal_active = True
        except NoPortalAccount:
            return _access_not_active(request, session, caller)
    return templates.TemplateResponse(request, "account.html", {"caller": caller, "portal_active": portal_active})


@router.get("/healthz", dependencies=[public()])
def health(session: DbSession) -> JSONResponse:
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/api/openapi.json", dependencies=[requires(Permission.AUTHENTICATED)])
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/api/me")
def me(caller: Annotated[Caller, requires(Permission.AUTHENTICATED)]) -> dict:
    """Who is signed in, and the CSRF token API clients send back in the X-CSRF-Token header."""
    user = caller.user
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role, "csrf_token": caller.csrf_token}
