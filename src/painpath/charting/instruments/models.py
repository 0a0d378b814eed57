"""Instrument administrations: the answers given, and the score our engine computed from the pack."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin
from painpath.core.tenancy import ClinicScopedMixin


class InstrumentAdministration(Base, ClinicScopedMixin, TimestampMixin):
    """One completed questionnaire on an episode. Scores are computed from the pack, never typed in.

    The answers are the record; total, subscales, band and alerts are what `charting.scoring` made of
    them under pack `pack_id` version `pack_version`, kept so a later pack edit cannot rewrite history.
    """

    __tablename__ = "instrument_administration"
    __table_args__ = (
        Index("ix_instrument_administration_episode", "episode_id", "instrument_id", "administered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    # The visit it was given in, if any. No foreign key: encounters belong to another slice.
    encounter_id: Mapped[int | None] = mapped_column(Integer)
    instrument_id: Mapped[str] = mapped_column(String(60))
    pack_id: Mapped[str] = mapped_column(String(80))
    pack_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict] = mapped_column(JSONType)  # item id -> answer value (None: not answered)
    total: Mapped[float] = mapped_column(Float)
    subscales: Mapped[dict] = mapped_column(JSONType)
    band: Mapped[str | None] = mapped_column(String(120))
    alerts: Mapped[list] = mapped_column(JSONType)  # [{kind, item, value, message}]
    administered_at: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(12))  # staff | patient | fhir_import
    # Who gave it; None when the patient completed it alone (source patient or fhir_import).
    administered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    external_ref: Mapped[str | None] = mapped_column(String(300))  # the imported resource's id or identifier
    # A clinician's safety assessment of an alert (PHQ-9 item 9): meets the suicide-risk task.
    safety_reviewed_at: Mapped[datetime | None] = mapped_column()
    safety_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    safety_review_note: Mapped[str | None] = mapped_column(Text)
