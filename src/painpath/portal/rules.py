"""Pure rules of patient accounts and invitations: how long a link lives, what an e-mail address must be,
where an account stands, and the words of the invitation e-mail. No I/O, no clock: `now` is passed in."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# An invitation link lives 72 hours: long enough for a patient invited on a Friday afternoon to set a
# password over the weekend, short enough that a link left in a shared or forwarded mailbox soon stops
# working. A clinic re-sends in one click when it lapses.
INVITATION_LIFETIME = timedelta(hours=72)

# The e-mail address becomes the patient's sign-in name (app_user.username holds 80 characters).
MAX_EMAIL_CHARS = 80
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def token_hash(token: str) -> str:
    """Only this is stored: whoever reads the table cannot rebuild a link from it."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalized_email(value: str | None) -> str:
    return (value or "").strip().lower()


def email_problem(value: str) -> str | None:
    """Why `value` (already normalized) cannot be a patient's sign-in address, or None."""
    if not value:
        return "Enter the patient's e-mail address"
    if len(value) > MAX_EMAIL_CHARS:
        return f"Use an address of at most {MAX_EMAIL_CHARS} characters: it becomes the patient's sign-in name"
    if not _EMAIL.match(value):
        return "Enter an e-mail address like name@example.org"
    return None


@dataclass(frozen=True)
class InvitationFacts:
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


def invitation_state(inv: InvitationFacts, now: datetime) -> str:
    """open | used | revoked | expired."""
    if inv.used_at is not None:
        return "used"
    if inv.revoked_at is not None:
        return "revoked"
    if inv.expires_at <= now:
        return "expired"
    return "open"


@dataclass(frozen=True)
class AccountFacts:
    activated_at: datetime | None
    revoked_at: datetime | None


def account_state(account: AccountFacts | None, latest: InvitationFacts | None, now: datetime) -> str:
    """not_invited | invited | expired | active | revoked: what the staff panel says first."""
    if account is not None and account.revoked_at is None and account.activated_at is not None:
        return "active"
    if latest is not None:
        state = invitation_state(latest, now)
        if state == "open":
            return "invited"
        if state == "expired" and (account is None or account.revoked_at is None or latest.created_at > account.revoked_at):
            return "expired"
    if account is not None and account.revoked_at is not None:
        return "revoked"
    return "not_invited"


def invitation_mail(*, clinic_name: str, clinic_phone: str | None, link: str, expires_words: str) -> tuple[str, str]:
    """Subject and body of the invitation. Plain words and nothing clinical: a mailbox may be shared and a
    preview shows on a lock screen, so no diagnosis, procedure, medication or even the reason for care."""
    subject = f"Your invitation to the {clinic_name} patient portal"
    call = f"call us on {clinic_phone}" if clinic_phone else "call the clinic"
    body = (
        f"Hello,\n\n"
        f"{clinic_name} has invited you to its patient portal, where you can see your own care plan, visits "
        f"and forms.\n\n"
        f"To start, open this link and choose a password:\n{link}\n\n"
        f"The link works once and expires on {expires_words}. You will sign in with this e-mail address.\n\n"
        f"If the link has expired, or you did not expect this e-mail, {call}.\n\n"
        f"{clinic_name}\n"
    )
    return subject, body
