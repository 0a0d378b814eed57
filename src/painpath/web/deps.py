"""Request dependencies: database session, the signed-in user, and the permission every route declares.

A route says what it needs with `Annotated[..., requires(Permission.X)]` (or `dependencies=[...]`).
`permission_of(route)` reads that back so a test can prove that every route declares one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth import service as auth_service
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.roles import Permission, role_allows
from painpath.web import retry
from painpath.worklist import touched

SESSION_COOKIE = "painpath_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_METHODS = {"GET", "HEAD"}


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


class PermissionDenied(Exception):
    def __init__(self, permission: Permission, role: str | None = None):
        self.permission = permission
        self.role = role  # who was refused: a patient is told in a patient's words (web/errors.py)


class CsrfRejected(Exception):
    pass


def get_app_context(request: Request) -> AppContext:
    return request.app.state.context


def get_db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Before the commit, every episode whose facts the request wrote is reconciled in the same
    transaction, so the worklist never lags a recorded fact (worklist/touched.py). What the request
    showed of each patient is audited once, also in this transaction (core/audit_access.py).

    A sync generator on purpose: FastAPI runs it, like every sync dependency and route, in its thread
    pool, so waiting for the database never blocks the event loop. A GET starts as a reader (SQLite:
    see core/db.py) unless web/retry.py is running it again after a WriteConflict."""
    context: AppContext = request.app.state.context
    reads_first = request.method in READ_METHODS and not retry.is_rerun(request)
    with context.db.session(reads_first=reads_first) as session:
        audit_access.open_request_scope(session)
        yield session
        episode_ids = touched.take(session)
        if episode_ids:
            context.reconcile(session, episode_ids)
        audit_access.flush_request_scope(session)


AppCtx = Annotated[AppContext, Depends(get_app_context)]
DbSession = Annotated[Session, Depends(get_db_session)]


@dataclass
class Caller:
    """The signed-in person for this request."""

    user: User
    session_row: UserSession
    actor: Actor

    @property
    def csrf_token(self) -> str:
        return self.session_row.csrf_token

    def can(self, permission: Permission) -> bool:
        return role_allows(self.user.role, permission)


async def _presented_csrf(request: Request) -> str | None:
    """The CSRF token a write presents: the header, else the form field (reading a form is async)."""
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        presented = (await request.form()).get(CSRF_FIELD)
    return presented if isinstance(presented, str) else None


def requires(permission: Permission):
    """Dependency factory: the signed-in caller, who must hold `permission` (and a CSRF token to write),
    and may reach the chart of every id in the route's path (core/auth/chart_access.py).

    Three steps, so that no database work runs on the event loop: the session lookup and the permission
    check are sync (FastAPI runs them in its thread pool); the CSRF check is async because it may read the
    posted form, and needs no database; the chart-access check is sync again. A form is read only once the
    caller is known and allowed."""

    def signed_in(request: Request, session: DbSession) -> Caller:
        resolved = auth_service.resolve_session(session, request.cookies.get(SESSION_COOKIE))
        if resolved is None:
            raise NotSignedIn()
        user, session_row = resolved
        if not role_allows(user.role, permission):
            raise PermissionDenied(permission, user.role)
        request.state.user = user
        return Caller(user=user, session_row=session_row, actor=auth_service.actor_for(user))

    # A default, not Annotated: annotations are strings here, and FastAPI cannot see this closure's names.
    async def csrf_checked(request: Request, caller: Caller = Depends(signed_in)) -> Caller:  # noqa: B008
        if request.method in UNSAFE_METHODS and not auth_service.csrf_matches(caller.session_row, await _presented_csrf(request)):
            raise CsrfRejected()
        return caller

    def dependency(request: Request, session: DbSession, caller: Caller = Depends(csrf_checked)) -> Caller:  # noqa: B008
        # One policy for every id in the path: a route that reaches a patient by an encounter, task or case
        # id is checked like an episode read.
        route = request.scope.get("route")
        if route is not None:
            chart_access.require_for_route(session, caller.actor, route.path, request.path_params)
        return caller

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


def public():
    """Dependency for routes anyone may reach (login, health check): declared, not forgotten."""

    def dependency() -> None:
        return None

    dependency.permission = Permission.PUBLIC  # type: ignore[attr-defined]
    return Depends(dependency)


def permission_of(route) -> list[Permission]:  # noqa: ANN001
    """Permissions a FastAPI route declares, found by walking its dependency tree."""
    found: list[Permission] = []

    def walk(dependant) -> None:  # noqa: ANN001
        for dep in dependant.dependencies:
            permission = getattr(dep.call, "permission", None)
            if permission is not None:
                found.append(permission)
            walk(dep)

    walk(route.dependant)
    return found
