"""Encounters (visit notes and their addenda), functional measures and exam findings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class Encounter(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A visit note. Once signed it never changes; corrections are addenda (rows with addendum_of_id)."""

    __tablename__ = "encounter"
    __table_args__ = (Index("ix_encounter_episode_date", "episode_id", "date_of_service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    encounter_type: Mapped[str] = mapped_column(String(20))  # initial | follow_up | procedure | telehealth | pt_visit
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The one other person who may sign: a nurse's note names the clinician who co-signs it.
    cosigner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    date_of_service: Mapped[date] = mapped_column()
    narrative: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="unsigned")  # unsigned | signed
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    addendum_of_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), index=True)
    # The visit this note documents (same episode), when the note was started from an appointment.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"), index=True)


class FunctionalMeasure(Base, ClinicScopedMixin):
    """One measure recorded at one encounter: a row per measure, so a chart series or the last value of
    any measure is one indexed query, and a visit that skipped a measure does not blank it out."""

    __tablename__ = "functional_measure"
    __table_args__ = (Index("ix_functional_measure_series", "episode_id", "measure", "date_of_service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    date_of_service: Mapped[date] = mapped_column()  # the encounter's, copied so series need no join
    recorded_at: Mapped[datetime] = mapped_column()
    measure: Mapped[str] = mapped_column(String(30))  # a key of charting.rules.MEASURES
    side: Mapped[str | None] = mapped_column(String(10))  # lifting limit only: left | right | both
    # Exactly one is set, by the measure's kind: number, code (work status) or list (ADL limits).
    value_number: Mapped[float | None] = mapped_column(Float)
    value_code: Mapped[str | None] = mapped_column(String(30))
    value_list: Mapped[list | None] = mapped_column(JSONType)


class FunctionalGoal(Base, ClinicScopedMixin):
    __tablename__ = "functional_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    target_measure: Mapped[str | None] = mapped_column(String(30))
    target_value: Mapped[float | None] = mapped_column(Float)


class ExamFindings(Base, ClinicScopedMixin, TimestampMixin):
    """The structured exam and the working pain-generator hypothesis of one encounter (one row per encounter).

    `findings` holds the validated ExamIn sections as JSON; counts (SI positives) are computed, never stored.
    """

    __tablename__ = "exam_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"), unique=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    findings: Mapped[dict] = mapped_column(JSONType, default=dict)
    diagnosis_codes: Mapped[list] = mapped_column(JSONType, default=list)
    reasoning: Mapped[str] = mapped_column(Text, default="")
