"""Inviting a patient to the portal, sending the invitation, accepting it, and revoking access.

Sending follows referrals and records requests (referrals/sending.py): the invitation is durable as
`sending` before the mail leaves (`send_invitation` commits twice), a refused or unreachable relay leaves
it `failed` with the reason and a next attempt, and `retry_due` (portal/scheduled.py) sends it again. Only
the sha-256 of a link's token is stored, so a retry mints a fresh token for the same invitation: the link
that never left is worthless, and the one the patient receives is the only one that works.

A new invitation ends the patient's previous unused one; accepting uses it once (a compare-and-set update,
so two tabs cannot both use it); revoking keeps the account row (who, when), ends the patient's sessions
at once and ends any open invitation. A later invitation re-opens the same account.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User, UserSession
from painpath.core.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from painpath.core.auth.roles import Role
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import Database
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.core.tenancy import Clinic
from painpath.intake.records import rules as retry_rules
from painpath.interop.transports.base import TransportError, TransportReceipt
from painpath.interop.transports.patient_mail import PatientMail, send_patient_mail
from painpath.interop.transports.settings import TransportSettings
from painpath.patients.models import Patient
from painpath.portal import rules
from painpath.portal.models import PatientAccount, PortalInvitation

Mailer = Callable[[PatientMail], TransportReceipt]


def _default_mailer(message: PatientMail) -> TransportReceipt:
    return send_patient_mail(message)


# Reading -----------------------------------------------------------------------------------------

def _facts(inv: PortalInvitation | None) -> rules.InvitationFacts | None:
    if inv is None:
        return None
    return rules.InvitationFacts(inv.created_at, inv.expires_at, inv.used_at, inv.revoked_at)


@dataclass(frozen=True)
class PortalAccess:
    """Where a patient's portal access stands, for the staff panel."""

    state: str  # not_invited | invited | expired | active | revoked
    account: PatientAccount | None
    latest: PortalInvitation | None  # the newest invitation, if any
    revoked_by: str | None


def account_for_patient(session: Session, *, clinic_id: int, patient_id: int) -> PatientAccount | None:
    return session.scalar(select(PatientAccount).where(PatientAccount.patient_id == patient_id, PatientAccount.clinic_id == clinic_id))


def latest_invitation(session: Session, *, clinic_id: int, patient_id: int) -> PortalInvitation | None:
    return session.scalar(select(PortalInvitation).where(PortalInvitation.patient_id == patient_id, PortalInvitation.clinic_id == clinic_id)
                          .order_by(PortalInvitation.created_at.desc(), PortalInvitation.id.desc()).limit(1))


def portal_access(session: Session, *, clinic_id: int, patient_id: int, now: datetime | None = None) -> PortalAccess:
    now = now or utcnow()
    account = account_for_patient(session, clinic_id=clinic_id, patient_id=patient_id)
    latest = latest_invitation(session, clinic_id=clinic_id, patient_id=patient_id)
    facts = None if account is None else rules.AccountFacts(account.activated_at, account.revoked_at)
    state = rules.account_state(facts, _facts(latest), now)
    revoked_by = None
    if account is not None and account.revoked_by_user_id is not None:
        revoked_by = session.scalar(select(User.display_name).where(User.id == account.revoked_by_user_id))
    return PortalAccess(state, account, latest, revoked_by)


# Inviting and sending ----------------------------------------------------------------------------

def _other_sign_in(session: Session, email: str, account: PatientAccount | None) -> bool:
    """Someone else (staff or another patient) already signs in with this address."""
    user_id = session.scalar(select(User.id).where(User.username == email))
    return user_id is not None and (account is None or user_id != account.user_id)


def _end_open_invitations(session: Session, *, patient_id: int, now: datetime) -> None:
    session.execute(update(PortalInvitation)
                    .where(PortalInvitation.patient_id == patient_id, PortalInvitation.used_at.is_(None), PortalInvitation.revoked_at.is_(None))
                    .values(revoked_at=now))


def invite(session: Session, *, actor: Actor, patient_id: int, email: str, account_version: int | None = None) -> tuple[PortalInvitation, str]:
    """A new invitation for `patient_id` to `email` (not sent yet: `send_invitation`); ends the patient's
    previous unused one. Returns the row and the raw token (never stored). Refused while access is active."""
    patient = session.scalar(select(Patient).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id))
    if patient is None:
        raise NotFound("patient", patient_id)
    address = rules.normalized_email(email)
    if problem := rules.email_problem(address):
        raise InvalidInput(FieldProblem("email", "email", problem))
    account = account_for_patient(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    if account is not None and account_version is not None and account.version != account_version:
        raise StaleWrite("patient_account", account_version, account.version)
    if account is not None and account.revoked_at is None and account.activated_at is not None:
        raise Conflict(FieldProblem("email", "not_active", "This patient already uses the portal; revoke access first to invite again"))
    if _other_sign_in(session, address, account):
        raise InvalidInput(FieldProblem("email", "unique", "Someone else already signs in here with this address; ask the patient for another one"))
    now = utcnow()
    _end_open_invitations(session, patient_id=patient_id, now=now)
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation(clinic_id=actor.clinic_id, patient_id=patient_id, email=address, token_hash=rules.token_hash(token),
                                  created_by_user_id=actor.user_id, created_at=now, expires_at=now + rules.INVITATION_LIFETIME,
                                  transmission="sending", attempts=0)
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "portal.invitation_created", object_type="portal_invitation", object_id=invitation.id,
                 patient_id=patient_id, detail={"expires_at": invitation.expires_at.isoformat()})
    return invitation, token


def resend(session: Session, *, actor: Actor, patient_id: int) -> tuple[PortalInvitation, str]:
    """A fresh invitation to the address of the patient's newest one (a fresh link and a fresh 72 hours)."""
    latest = latest_invitation(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    if latest is None:
        raise Conflict(FieldProblem("email", "invited", "This patient has not been invited yet"))
    return invite(session, actor=actor, patient_id=patient_id, email=latest.email)


def invitation_link(token: str, settings: TransportSettings | None = None) -> str:
    base = (settings or TransportSettings()).portal_url.rstrip("/")
    return f"{base}/portal/invitation/{token}"


def _expires_words(calendar: BusinessCalendar, moment: datetime) -> str:
    local = calendar.to_local(moment)
    return f"{local:%A %-d %B %Y} at {local:%-I:%M %p} ({calendar.timezone_name})"


def send_invitation(session: Session, *, actor: Actor, calendar: BusinessCalendar, invitation_id: int, token: str | None = None,
                    mailer: Mailer = _default_mailer, settings: TransportSettings | None = None) -> PortalInvitation:
    """Mail the invitation. Commits twice (see the module's note); a failure leaves it `failed` with the reason
    and a next attempt, and does not raise. Without `token` (a retry), a fresh token replaces the stored hash."""
    invitation = session.get(PortalInvitation, invitation_id)
    if invitation is None or invitation.clinic_id != actor.clinic_id:
        raise NotFound("invitation", invitation_id)
    now = utcnow()
    if invitation.used_at is not None or invitation.revoked_at is not None or invitation.expires_at <= now:
        raise Conflict(FieldProblem("invitation", "open", "This invitation is no longer open"))
    if token is None:
        token = secrets.token_urlsafe(32)
        invitation.token_hash = rules.token_hash(token)
    clinic = session.get(Clinic, invitation.clinic_id)
    subject, body = rules.invitation_mail(clinic_name=clinic.name, clinic_phone=clinic.phone, link=invitation_link(token, settings),
                                          expires_words=_expires_words(calendar, invitation.expires_at))
    invitation.transmission = "sending"
    invitation.attempts += 1
    invitation.last_attempt_at = now
    invitation.next_attempt_at = None
    audit.record(session, actor, "portal.invitation_sending", object_type="portal_invitation", object_id=invitation.id,
                 patient_id=invitation.patient_id, detail={"attempt": invitation.attempts})
    session.commit()  # durable before anything leaves: a crash from here on leaves a retryable row
    failure = None
    receipt = None
    try:
        receipt = mailer(PatientMail(to=invitation.email, subject=subject, body=body, sender_name=clinic.name))
    except TransportError as exc:
        failure = str(exc)
    if receipt is not None:
        invitation.transmission, invitation.sent_at, invitation.last_error = "sent", receipt.sent_at, None
        audit.record(session, actor, "portal.invitation_sent", object_type="portal_invitation", object_id=invitation.id,
                     patient_id=invitation.patient_id, detail={"attempt": invitation.attempts})
    else:
        invitation.transmission = "failed"
        invitation.last_error = (failure or "unknown error")[:1000]
        invitation.next_attempt_at = retry_rules.next_retry_at(invitation.last_attempt_at, invitation.attempts)
        audit.record(session, actor, "portal.invitation_send_failed", object_type="portal_invitation", object_id=invitation.id,
                     patient_id=invitation.patient_id, detail={"attempt": invitation.attempts, "error": invitation.last_error})
    session.commit()
    return invitation


def retry_due(db: Database, *, calendar: BusinessCalendar, now: datetime | None = None, mailer: Mailer = _default_mailer,
              limit: int = 100) -> int:
    """Resend open invitations whose send failed and whose backoff has passed, and those a crash left `sending`.
    A row stuck in `sending` may have left already: its resend carries a new link, and only that one works."""
    now = now or utcnow()
    stale = now - retry_rules.STUCK_AFTER
    with db.session() as session:
        due = session.execute(
            select(PortalInvitation.id, PortalInvitation.clinic_id)
            .where(PortalInvitation.used_at.is_(None), PortalInvitation.revoked_at.is_(None), PortalInvitation.expires_at > now, or_(
                and_(PortalInvitation.transmission == "failed", PortalInvitation.next_attempt_at.is_not(None),
                     PortalInvitation.next_attempt_at <= now),
                and_(PortalInvitation.transmission == "sending", or_(PortalInvitation.last_attempt_at.is_(None),
                                                                     PortalInvitation.last_attempt_at <= stale),
                     PortalInvitation.attempts < retry_rules.MAX_AUTOMATIC_ATTEMPTS),
            )).order_by(PortalInvitation.id).limit(limit)
        ).all()
    attempted = 0
    for invitation_id, clinic_id in due:
        with db.session() as session:
            try:
                send_invitation(session, actor=Actor.system("portal-invitation-retry", clinic_id), calendar=calendar,
                                invitation_id=invitation_id, mailer=mailer)
            except (Conflict, NotFound):
                continue
            attempted += 1
    return attempted


# Revoking ----------------------------------------------------------------------------------------

def revoke(session: Session, *, actor: Actor, patient_id: int, account_version: int | None = None) -> PatientAccount | None:
    """End the patient's portal access now: the account row stays (who, when), every session of its user
    ends, and any open invitation ends. With no account yet, only the open invitation ends."""
    now = utcnow()
    account = account_for_patient(session, clinic_id=actor.clinic_id, patient_id=patient_id)
    if account is not None and account_version is not None and account.version != account_version:
        raise StaleWrite("patient_account", account_version, account.version)
    _end_open_invitations(session, patient_id=patient_id, now=now)
    if account is not None and account.revoked_at is None:
        account.revoked_at = now
        account.revoked_by_user_id = actor.user_id
        session.execute(update(UserSession).where(UserSession.user_id == account.user_id, UserSession.revoked_at.is_(None))
                        .values(revoked_at=now))
    audit.record(session, actor, "portal.access_revoked", object_type="patient_account", object_id=account.id if account else None,
                 patient_id=patient_id, clinic_id=actor.clinic_id)
    session.flush()
    return account


# Accepting (the public link) ---------------------------------------------------------------------

class InvitationRefused(Exception):
    """The link cannot be used: `reason` is unknown | expired | used | revoked (unknown and expired read alike)."""

    def __init__(self, reason: str, clinic_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.clinic_id = clinic_id


def open_invitation(session: Session, token: str, now: datetime | None = None) -> PortalInvitation:
    """The open invitation behind `token`, or InvitationRefused."""
    now = now or utcnow()
    invitation = session.scalar(select(PortalInvitation).where(PortalInvitation.token_hash == rules.token_hash(token)))
    if invitation is None:
        raise InvitationRefused("unknown")
    state = rules.invitation_state(_facts(invitation), now)
    if state != "open":
        raise InvitationRefused(state, invitation.clinic_id)
    return invitation


def password_problems(password: str, again: str) -> list[FieldProblem]:
    """The staff password rule (core/auth/passwords.MIN_PASSWORD_LENGTH), and the two copies must match."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(FieldProblem("password", "min_length", f"Use at least {MIN_PASSWORD_LENGTH} characters"))
    elif password != again:
        problems.append(FieldProblem("password_again", "matches", "The two passwords are not the same; type them again"))
    return problems


def accept(session: Session, *, token: str, password: str, password_again: str) -> User:
    """Use the invitation behind `token` once: set the password, create (or re-open) the patient's account
    and its patient-role user, and return the user to sign in. InvitationRefused when the link cannot be
    used; InvalidInput (the form again) for a password that breaks the rule or an address taken meanwhile."""
    now = utcnow()
    invitation = open_invitation(session, token, now)
    if problems := password_problems(password, password_again):
        raise InvalidInput(problems)
    account = account_for_patient(session, clinic_id=invitation.clinic_id, patient_id=invitation.patient_id)
    if _other_sign_in(session, invitation.email, account):
        raise InvalidInput(FieldProblem("email", "unique", "Your e-mail address is already used to sign in here by another account. "
                                        "Call the clinic and we will invite you with another address."))
    # Single use, even for two tabs posting at once: only the update that still finds it open wins.
    won = session.execute(update(PortalInvitation)
                          .where(PortalInvitation.id == invitation.id, PortalInvitation.used_at.is_(None),
                                 PortalInvitation.revoked_at.is_(None), PortalInvitation.expires_at > now)
                          .values(used_at=now)).rowcount
    if won != 1:
        raise InvitationRefused("used", invitation.clinic_id)
    patient = session.get(Patient, invitation.patient_id)
    name = f"{patient.given_name} {patient.family_name}"[:120]
    if account is None:
        user = User(clinic_id=invitation.clinic_id, username=invitation.email, display_name=name, role=Role.PATIENT.value,
                    password_hash=hash_password(password))
        session.add(user)
        session.flush()
        account = PatientAccount(clinic_id=invitation.clinic_id, patient_id=invitation.patient_id, user_id=user.id,
                                 email=invitation.email, activated_at=now)
        session.add(account)
    else:
        user = session.get(User, account.user_id)
        user.username, user.display_name, user.role = invitation.email, name, Role.PATIENT.value
        user.password_hash = hash_password(password)
        user.active, user.failed_logins, user.locked_until = True, 0, None
        account.email, account.activated_at = invitation.email, now
        account.revoked_at = account.revoked_by_user_id = None
    session.flush()
    actor = Actor(user_id=user.id, label=f"user:{user.username}", clinic_id=user.clinic_id, role=user.role)
    audit.record(session, actor, "portal.invitation_accepted", object_type="portal_invitation", object_id=invitation.id,
                 patient_id=invitation.patient_id, clinic_id=invitation.clinic_id, detail={"account_id": account.id})
    return user


def clinic_phone_for_refusal(session: Session, clinic_id: int | None) -> tuple[str | None, str | None]:
    """(name, phone) a refused link may show: the invitation's clinic for a used or replaced link; for an unknown
    or expired one only an installation's single clinic, so the page is the same whether a guess hit or not."""
    if clinic_id is None:
        clinics = session.scalars(select(Clinic).limit(2)).all()
        clinic = clinics[0] if len(clinics) == 1 else None
    else:
        clinic = session.get(Clinic, clinic_id)
    return (clinic.name, clinic.phone) if clinic else (None, None)
