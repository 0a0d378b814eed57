"""What a patient changes about their own account on /portal/settings: how reminders reach them, their
password and the e-mail address on file (which is also their sign-in name). Version-checked, audited."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.passwords import hash_password, verify_password
from painpath.core.clock import utcnow
from painpath.core.errors import FieldProblem, InvalidInput, StaleWrite
from painpath.portal import reminder_channels, rules
from painpath.portal.access import portal_patient
from painpath.portal.invitations import password_problems
from painpath.portal.models import PatientAccount


def own_account(session: Session, actor: Actor) -> PatientAccount:
    """The signed-in patient's active account (NoPortalAccount, a 403, when revoked)."""
    return session.get(PatientAccount, portal_patient(session, actor).account_id)


def _checked(account: PatientAccount, version: int | None) -> None:
    if version is not None and account.version != version:
        raise StaleWrite("patient_account", version, account.version)


def set_reminder_channel(session: Session, *, actor: Actor, channel: str, version: int | None) -> PatientAccount:
    account = own_account(session, actor)
    _checked(account, version)
    chosen = reminder_channels.channel_named(channel)
    if channel != reminder_channels.NO_REMINDERS and chosen is None:
        raise InvalidInput(FieldProblem("reminder_channel", "choice", "Choose e-mail or no reminders"))
    if chosen is not None and not chosen.available:
        raise InvalidInput(FieldProblem("reminder_channel", "available", f"{chosen.label} reminders are not available yet; choose e-mail or no reminders"))
    before = account.reminder_channel
    account.reminder_channel = channel
    session.flush()
    audit.record(session, actor, "portal.reminder_channel_changed", object_type="patient_account", object_id=account.id,
                 patient_id=account.patient_id, detail={"from": before, "to": channel})
    return account


def _require_password(user: User, current: str) -> None:
    if not current or not verify_password(current, user.password_hash):
        raise InvalidInput(FieldProblem("current_password", "matches", "That is not your current password"))


def change_password(session: Session, *, actor: Actor, current: str, password: str, password_again: str,
                    keep_session_id: int | None = None) -> None:
    """A new password; every other signed-in browser of the patient is signed out."""
    account = own_account(session, actor)
    user = session.get(User, account.user_id)
    _require_password(user, current)
    if problems := password_problems(password, password_again):
        raise InvalidInput(problems)
    user.password_hash = hash_password(password)
    session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
                                              UserSession.id != (keep_session_id or 0)).values(revoked_at=utcnow()))
    audit.record(session, actor, "portal.password_changed", object_type="patient_account", object_id=account.id, patient_id=account.patient_id)


def change_email(session: Session, *, actor: Actor, email: str, current: str, version: int | None) -> PatientAccount:
    """A new address on file; it is also the sign-in name, so it must be free."""
    account = own_account(session, actor)
    _checked(account, version)
    user = session.get(User, account.user_id)
    address = rules.normalized_email(email)
    if problem := rules.email_problem(address):
        raise InvalidInput(FieldProblem("email", "email", problem.replace("the patient's", "your").replace("the patient's", "your")))
    _require_password(user, current)
    taken = session.scalar(select(User.id).where(User.username == address, User.id != user.id))
    if taken is not None:
        raise InvalidInput(FieldProblem("email", "unique", "This address is already used to sign in here; use another one or call the clinic"))
    account.email = address
    user.username = address
    session.flush()
    audit.record(session, actor, "portal.email_changed", object_type="patient_account", object_id=account.id, patient_id=account.patient_id)
    return account
