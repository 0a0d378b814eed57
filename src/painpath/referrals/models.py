"""Receiving practices (the clinic's directory of specialists) and referrals with their loop.

A referral carries a date or time per state it went through: when we sent it (a time: our act), and the
dates the practice told us of (acknowledged, the appointment, seen, the consult note). The status says
where the loop stands; `transmission` says how the letter's sending went (durable `sending` before the
letter leaves, as records requests do), kept apart from the practice's answers: a fax receipt is not an
acknowledgement.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class ReceivingPractice(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A practice the clinic refers to, kept by coordinators on the directory page."""

    __tablename__ = "receiving_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    specialties: Mapped[list] = mapped_column(JSONType, default=list)  # ids of the referral specialties pack
    clinician_name: Mapped[str | None] = mapped_column(String(200))
    fax: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    direct_address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Referral(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "referral"
    __table_args__ = (
        # The open-loops board and the retry job read referrals by state.
        Index("ix_referral_state", "clinic_id", "status"),
        Index("ix_referral_retry", "transmission", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    specialty: Mapped[str] = mapped_column(String(60))
    practice_id: Mapped[int] = mapped_column(ForeignKey("receiving_practice.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10))  # routine | urgent
    # The documents sent with it, chosen from the episode's documents on file: [{"ref": "imaging_study:3", "label": "..."}]
    records: Mapped[list] = mapped_column(JSONType, default=list)
    # The care-plan step it serves, when a pathway's referral step opened it.
    plan_step_row_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_step.id", ondelete="SET NULL"), index=True)
    # drafted | sent | acknowledged | scheduled | seen | consult_received | closed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="drafted")
    transport: Mapped[str | None] = mapped_column(String(10))  # print | fax | direct
    transmission: Mapped[str] = mapped_column(String(10), default="none")  # none | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_to: Mapped[str | None] = mapped_column(String(200))
    acknowledged_on: Mapped[date | None] = mapped_column()
    appointment_on: Mapped[date | None] = mapped_column()
    seen_on: Mapped[date | None] = mapped_column()
    consult_note_on: Mapped[date | None] = mapped_column()
    consult_summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column()
    plan_adjustment: Mapped[str | None] = mapped_column(Text)  # the clinician's plan change, in words
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # When it entered its current state (UTC): the board's "waiting since".
    state_since: Mapped[datetime] = mapped_column()

    @property
    def reference(self) -> str:
        return f"REF-{self.id:06d}"
