"""What an admin does to staff accounts: list, disable, enable, reset a password, change a role, unlock.

Creating an account is `service.create_user` (shared with `painpath users create`). Every change is
audited with who did it; a disabled account, a reset password or a new role ends the user's open
sessions so the change applies at once rather than at their next sign-in.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from painpath.core.auth.roles import Role
from painpath.core.clock import utcnow
from painpath.core.errors import FieldProblem, InvalidInput, NotFound
from painpath.core.npi import npi_problem


def list_users(session: Session, *, clinic_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.clinic_id == clinic_id).order_by(User.active.desc(), User.username)))


def _user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFound("user", user_id)
    return user


def _refuse_self(actor: Actor, user: User, what: str) -> None:
    # An admin who disables or demotes themself can lock the clinic out of its own user page.
    if actor.user_id == user.id:
        raise InvalidInput(FieldProblem("user_id", "not_self", f"You cannot {what} your own account; ask another admin"))


def _end_sessions(session: Session, user: User) -> None:
    session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None)).values(revoked_at=utcnow())
    )


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> User:
    user = _user(session, actor, user_id)
    if not active:
        _refuse_self(actor, user, "disable")
        _end_sessions(session, user)
    user.active = active
    audit.record(session, actor, "user.enable" if active else "user.disable", object_type="user", object_id=user.id)
    return user


def reset_password(session: Session, *, actor: Actor, user_id: int, password: str) -> User:
    user = _user(session, actor, user_id)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(FieldProblem("password", "min_length", f"Password must be at least {MIN_PASSWORD_LENGTH} characters"))
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    _end_sessions(session, user)
    audit.record(session, actor, "user.password_reset", object_type="user", object_id=user.id)
    return user


def change_role(session: Session, *, actor: Actor, user_id: int, role: str) -> User:
    user = _user(session, actor, user_id)
    if role not in {r.value for r in Role}:
        raise InvalidInput(FieldProblem("role", "known_role", f"Unknown role; use one of {', '.join(r.value for r in Role)}"))
    if role != user.role:
        _refuse_self(actor, user, "change the role of")
        previous, user.role = user.role, role
        _end_sessions(session, user)
        audit.record(session, actor, "user.role_change", object_type="user", object_id=user.id, detail={"from": previous, "to": role})
    return user


def unlock(session: Session, *, actor: Actor, user_id: int) -> User:
    user = _user(session, actor, user_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "user.unlock", object_type="user", object_id=user.id)
    return user


def set_npi(session: Session, *, actor: Actor, user_id: int, npi: str) -> User:
    """Record (or clear, with an empty value) a clinician's individual NPI, refused unless its check digit holds."""
    user = _user(session, actor, user_id)
    cleaned = npi.replace(" ", "").replace("-", "")
    if cleaned:
        problem = npi_problem(cleaned)
        if problem:
            raise InvalidInput(FieldProblem("npi", "npi_check_digit", problem))
    value = cleaned or None
    if value != user.npi:
        user.npi = value
        audit.record(session, actor, "user.npi_change", object_type="user", object_id=user.id, detail={"cleared": value is None})
    return user
