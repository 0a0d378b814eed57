"""Intake calls and their attempts, red-flag triage decisions, and appointments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class IntakeCall(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """An inbound call or referral: the first contact that starts an episode."""

    __tablename__ = "intake_call"
    __table_args__ = (Index("ix_intake_call_status", "clinic_id", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # phone | referral | fax | portal
    caller_name: Mapped[str] = mapped_column(String(120))
    caller_phone: Mapped[str] = mapped_column(String(40))
    caller_relation: Mapped[str] = mapped_column(String(30))  # self | family | referring_office | other
    referring_provider: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    pain_location: Mapped[str] = mapped_column(String(120))
    pain_duration_weeks: Mapped[int | None] = mapped_column(Integer)
    payer_id: Mapped[str | None] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column()
    # awaiting_callback -> reached -> triaged; or unreachable (letter due) -> letter_sent
    status: Mapped[str] = mapped_column(String(20), default="awaiting_callback")
    reached_at: Mapped[datetime | None] = mapped_column()
    letter_sent_at: Mapped[datetime | None] = mapped_column()
    letter_channel: Mapped[str | None] = mapped_column(String(20))  # letter | portal
    # Staff confirmed there are no outside records to request (a first-ever episode of pain, say).
    no_prior_records_at: Mapped[datetime | None] = mapped_column()
    # Red-flag answers saved one by one as they are given, before the screen is saved (a Triage row), so an
    # emergent answer alerts a clinician even if the form is never submitted.
    partial_answers: Mapped[dict | None] = mapped_column(JSONType)
    partial_emergent_at: Mapped[datetime | None] = mapped_column()


class CallAttempt(Base, ClinicScopedMixin):
    __tablename__ = "call_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("intake_call.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # reached | no_answer | voicemail | busy | wrong_number
    note: Mapped[str | None] = mapped_column(Text)


class Triage(Base, ClinicScopedMixin):
    """One completed red-flag screen: the answers, the decision and why, and (if emergent) who acknowledged it."""

    __tablename__ = "triage"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("intake_call.id", ondelete="SET NULL"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    answers: Mapped[dict] = mapped_column(JSONType)
    urgency: Mapped[str] = mapped_column(String(12))  # emergent | urgent | routine
    reasons: Mapped[list] = mapped_column(JSONType)
    hits: Mapped[list] = mapped_column(JSONType)
    yellow_flags: Mapped[list] = mapped_column(JSONType)
    pack_id: Mapped[str] = mapped_column(String(80))
    pack_version: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)


class Appointment(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A booked visit; later slices (procedures, PT, check-ins) book through the same table."""

    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_episode_start", "episode_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    visit_type: Mapped[str] = mapped_column(String(20))  # new_patient | urgent | follow_up | procedure
    provider_type: Mapped[str] = mapped_column(String(20))  # app | physician | therapist
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    start_at: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(Integer, default=40)
    modality: Mapped[str] = mapped_column(String(12))  # in_person | telehealth
    # booked -> checked_in -> completed; booked -> no_show | cancelled | rescheduled (see intake/visit_rules.py)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    booked_at: Mapped[datetime] = mapped_column()
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    checked_in_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    no_show_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A rescheduled visit points at the booking that replaced it.
    rescheduled_to_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
