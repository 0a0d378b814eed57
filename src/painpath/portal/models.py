"""Patient accounts and the invitations that create them.

A patient account ties one sign-in (`app_user` with the patient role) to exactly one patient record;
everything the portal shows is read from that record alone (portal/access.py). Staff invite by e-mail:
the invitation stores only a hash of its one-time token, expires, and is used once. Revoking access
keeps the row (who, when) and ends the user's sessions; a new invitation re-opens the same account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

REMINDER_CHANNELS = ("email", "none", "sms")  # sms: a plugin base with no vendor yet (portal/reminders)


class PatientAccount(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "patient_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    # How the patient wants reminders: email | none | sms (the patient chooses on the portal).
    reminder_channel: Mapped[str] = mapped_column(String(10), default="email")
    activated_at: Mapped[datetime | None] = mapped_column()  # when the patient set a password
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class PortalInvitation(Base, ClinicScopedMixin):
    __tablename__ = "portal_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha-256 of the one-time token
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()  # a newer invitation or a revocation ends it
    # Sending, like referrals and records requests: durable as "sending" before the mail leaves, then
    # "sent" or "failed" (with the relay's reason); the retry job resends a failed one after a backoff.
    transmission: Mapped[str] = mapped_column(String(10), default="sending", server_default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(1000))


REMINDER_KINDS = ("checkin", "questionnaire")
REMINDER_STATES = ("pending", "sending", "sent", "failed")


class PortalReminder(Base, ClinicScopedMixin, TimestampMixin):
    """One reminder to one patient about one check-in, sent once (portal/reminders.py).

    The unique (account, check-in key, kind) is what makes "once" hold however often the job runs and on
    however many workers. Subject and body are built when the reminder is queued and hold no clinical
    detail (portal/reminder_rules.py); `last_error` is the relay's refusal with the address taken out.
    """

    __tablename__ = "portal_reminder"
    __table_args__ = (
        UniqueConstraint("clinic_id", "account_id", "checkin_key", "kind", name="uq_portal_reminder_once"),
        Index("ix_portal_reminder_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("patient_account.id", ondelete="CASCADE"))
    checkin_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # checkin | questionnaire
    channel: Mapped[str] = mapped_column(String(10))  # email | sms, as chosen when it was queued
    due_at: Mapped[datetime] = mapped_column()
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # None once sent, or when people must act
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))


from painpath.portal.document_models import PortalSharedDocument  # noqa: E402, F401  (documents shared on the portal)
