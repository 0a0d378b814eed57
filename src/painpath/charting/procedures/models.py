"""A procedure performed on an episode, and the relief reports that follow it (one row each).

Relief reports are their own rows because payers judge each report (diagnostic blocks: relief within
the anesthetic's window; therapeutic: how long it lasted) and staff add them over days and weeks.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PerformedProcedure(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "performed_procedure"
    __table_args__ = (Index("ix_performed_procedure_episode_date", "episode_id", "performed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    procedure_key: Mapped[str] = mapped_column(String(60))  # the procedures pack id ("mbb_lumbar")
    # The pack's name when recorded, so the timeline reads right even if a pack is edited later.
    procedure_name: Mapped[str] = mapped_column(String(200))
    cpt_codes: Mapped[list] = mapped_column(JSONType)  # ["64493", "64494"]; a code may repeat (one per level)
    region: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(10))  # left | right | bilateral | none
    levels: Mapped[list] = mapped_column(JSONType)  # ["L4-5", "L5-S1"], canonical form; [] where levels do not apply
    performed_on: Mapped[date] = mapped_column()
    diagnostic: Mapped[bool] = mapped_column(Boolean)  # from the pack when recorded
    baseline_pain: Mapped[float | None] = mapped_column(Float)  # 0-10, the index pain just before
    baseline_scale: Mapped[str | None] = mapped_column(String(10))  # nrs | vas
    # The procedure note, if written here. Same slice family (charting), so a real foreign key.
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id", ondelete="SET NULL"))
    spacing_exception: Mapped[str | None] = mapped_column(Text)  # why a payer's spacing rule does not apply
    # Who did the procedure (a clinician of the clinic); the recorder may be a nurse entering it later.
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", name="fk_performed_procedure_performed_by"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class ProcedureRelief(Base, ClinicScopedMixin, TimestampMixin):
    """One relief report. `method` says what was reported: a percent, or a pain score after the
    procedure from which `percent` was computed against the procedure's baseline."""

    __tablename__ = "procedure_relief"
    __table_args__ = (Index("ix_procedure_relief_episode", "episode_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("performed_procedure.id", ondelete="CASCADE"), index=True)
    # Copied from the procedure so gathering an episode's facts reads relief without a join.
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column()
    method: Mapped[str] = mapped_column(String(12))  # percent | pain_score
    percent: Mapped[float] = mapped_column(Float)  # 0-100, as reported or as computed
    pain_score: Mapped[float | None] = mapped_column(Float)  # 0-10 after the procedure (method pain_score)
    scale: Mapped[str] = mapped_column(String(10))  # nrs | vas; may differ from the baseline's (stored, flagged)
    hours_after: Mapped[float | None] = mapped_column(Float)
    lasted_days: Mapped[int | None] = mapped_column(Integer)
    function_change: Mapped[str | None] = mapped_column(String(12))  # better | same | worse, as the patient says
    regained: Mapped[str | None] = mapped_column(Text)  # what the patient could do again ("walk the dog 30 minutes")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()
