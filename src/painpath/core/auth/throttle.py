"""Slow down password guessing from one client address, whichever usernames it tries.

The per-account lockout stops guessing one password; this stops one address walking through many
accounts. Failures live in the database so every web process (``serve --workers N``) counts the same ones.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from painpath.core.auth.models import SignInFailure
from painpath.core.auth.service import AuthPolicy
from painpath.core.clock import utcnow

MAX_ADDRESS_CHARS = 64


def client_address(host: str | None) -> str:
    return (host or "unknown")[:MAX_ADDRESS_CHARS]


def is_throttled(session: Session, address: str, policy: AuthPolicy) -> bool:
    since = utcnow() - timedelta(minutes=policy.address_window_minutes)
    failures = session.scalar(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.address == address, SignInFailure.failed_at > since)
    )
    return (failures or 0) >= policy.address_failures


def record_failure(session: Session, address: str) -> None:
    now = utcnow()
    session.add(SignInFailure(address=address, failed_at=now))
    # Rows older than any window we would count are noise; prune this address's as we go so the table stays small.
    session.execute(delete(SignInFailure).where(SignInFailure.address == address, SignInFailure.failed_at < now - timedelta(days=1)))


def refusal_message(policy: AuthPolicy) -> str:
    return (
        f"Too many failed sign-ins from this computer's network. Wait {policy.address_window_minutes} minutes "
        "and try again, or ask an admin."
    )
