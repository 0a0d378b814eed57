"""Sign-in, lockout, sessions and user administration."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_against_nobody, verify_password
from painpath.core.auth.roles import Role
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput


class LoginFailed(DomainError):
    status_code = 401


@dataclass(frozen=True)
class AuthPolicy:
    lockout_failures: int = 5
    lockout_minutes: int = 15
    session_hours: int = 12
    address_failures: int = 20
    address_window_minutes: int = 15


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, label=f"user:{user.username}", clinic_id=user.clinic_id, role=user.role)


def create_user(
    session: Session,
    *,
    clinic_id: int,
    username: str,
    display_name: str,
    role: str,
    password: str,
    actor: Actor,
) -> User:
    """Create a staff or patient account; the password is stored only as an argon2 hash."""
    problems = []
    if role not in {r.value for r in Role}:
        problems.append(FieldProblem("role", "known_role", f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(FieldProblem("password", "min_length", f"Password must be at least {MIN_PASSWORD_LENGTH} characters"))
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        problems.append(FieldProblem("username", "format", "Username may use letters, digits, '.', '_' and '-'"))
    elif session.scalar(select(User.id).where(User.username == username)):
        problems.append(FieldProblem("username", "unique", f"Username {username!r} is taken"))
    if problems:
        raise InvalidInput(problems)
    user = User(
        clinic_id=clinic_id,
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", object_type="user", object_id=user.id, clinic_id=clinic_id, detail={"role": role})
    return user


def authenticate(session: Session, username: str, password: str, policy: AuthPolicy) -> User:
    """Return the user for a correct password; count failures and lock the account after too many."""
    now = utcnow()
    user = session.scalar(select(User).where(User.username == username))
    # One message and one argon2 verification for an unknown user, a wrong password and a locked account,
    # so neither the words nor the timing tell an attacker which usernames exist.
    refused = LoginFailed(
        FieldProblem(
            "password", "credentials",
            f"Wrong username or password. After {policy.lockout_failures} failed sign-ins an account pauses for "
            f"{policy.lockout_minutes} minutes; an admin can unlock it sooner.",
        )
    )
    if user is None or not user.active:
        verify_against_nobody(password)
        raise refused
    if user.locked_until and user.locked_until > now:
        verify_password(password, user.password_hash)
        audit.record(session, actor_for(user), "auth.login_refused_locked", object_type="user", object_id=user.id)
        raise refused
    if not verify_password(password, user.password_hash):
        count_failed_sign_in(session, user, policy, now)
        raise refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, actor_for(user), "auth.login", object_type="user", object_id=user.id)
    return user


def count_failed_sign_in(session: Session, user: User, policy: AuthPolicy, now: datetime) -> None:
    """A wrong password for this account: count it, and lock the account after too many (audited)."""
    user.failed_logins += 1
    detail = {"failures": user.failed_logins}
    if user.failed_logins >= policy.lockout_failures:
        user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        user.failed_logins = 0
        detail["locked_until"] = user.locked_until.isoformat()
    audit.record(session, actor_for(user), "auth.login_failed", object_type="user", object_id=user.id, detail=detail)


def open_session(session: Session, user: User, policy: AuthPolicy) -> tuple[str, UserSession]:
    """Start a browser session; returns the raw cookie token (never stored) and the row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=_token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=policy.session_hours),
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, token: str | None) -> tuple[User, UserSession] | None:
    if not token:
        return None
    # One round trip per request: the session row and its user together.
    found = session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None), UserSession.expires_at > utcnow())
    ).first()
    if found is None or not found[0].active:
        return None
    return found[0], found[1]


def close_session(session: Session, row: UserSession, user: User) -> None:
    row.revoked_at = utcnow()
    audit.record(session, actor_for(user), "auth.logout", object_type="user", object_id=user.id)


def csrf_matches(row: UserSession, presented: str | None) -> bool:
    # Compared as bytes: compare_digest refuses non-ASCII text, and a forged token may be anything.
    return bool(presented) and hmac.compare_digest(row.csrf_token.encode(), presented.encode())
