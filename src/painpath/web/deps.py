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
from painpath.core.auth import service as auth_service
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.roles import Permission, role_allows
from painpath.worklist import touched

SESSION_COOKIE = "painpath_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


class PermissionDenied(Exception):
    def __init__(self, permission: Permission):
        self.permission = permission


class CsrfRejected(Exception):
    pass


def get_app_context(request: Request) -> AppContext:
    return request.app.state.context


def get_db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Before the commit, every episode whose facts the request wrote is reconciled in the same
    transaction, so the worklist never lags a recorded fact (worklist/touched.py). What the request
    showed of each patient is audited once, also in this transaction (core/audit_access.py)."""
    context: AppContext = request.app.state.context
    with context.db.session() as session:
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


async def _csrf_ok(request: Request, session_row: UserSession) -> bool:
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        presented = (await request.form()).get(CSRF_FIELD)
    return auth_service.csrf_matches(session_row, presented if isinstance(presented, str) else None)


def requires(permission: Permission):
    """Dependency factory: the signed-in caller, who must hold `permission` (and a CSRF token to write)."""

    async def dependency(request: Request, session: DbSession) -> Caller:
        resolved = auth_service.resolve_session(session, request.cookies.get(SESSION_COOKIE))
        if resolved is None:
            raise NotSignedIn()
        user, session_row = resolved
        if not role_allows(user.role, permission):
            raise PermissionDenied(permission)
        if request.method in UNSAFE_METHODS and not await _csrf_ok(request, session_row):
            raise CsrfRejected()
        request.state.user = user
        return Caller(user=user, session_row=session_row, actor=auth_service.actor_for(user))

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
