"""Medication history: one row per drug at one dose over a span of days (a dose change is a new trial);
and planned trials (a target, its titration schedule, checks and evaluation as dated items).

The adequacy label (adequate, inadequate, not tolerated, in progress, unknown drug) is never stored: it
is computed on read by painpath.charting.trials from these facts, the packs and today's date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class MedicationTrial(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "medication_trial"
    __table_args__ = (Index("ix_medication_trial_episode_start", "episode_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    # The pack's drug id when the packs know the drug; otherwise what staff typed (assessed as unknown).
    drug_key: Mapped[str | None] = mapped_column(String(60))
    rxnorm_code: Mapped[str | None] = mapped_column(String(20))
    drug_name: Mapped[str] = mapped_column(String(200))
    dose_mg: Mapped[float | None] = mapped_column(Float)  # per administration
    times_per_day: Mapped[int | None] = mapped_column(Integer)
    daily_mg: Mapped[float | None] = mapped_column(Float)  # instead of dose_mg x times_per_day
    route: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column()
    stop_date: Mapped[date | None] = mapped_column()  # last day taken; None while ongoing
    reason_stopped: Mapped[str | None] = mapped_column(String(20))  # ineffective | side_effects | cost | other
    response: Mapped[str | None] = mapped_column(Text)
    relief_percent: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()



class TrialPlan(Base, ClinicScopedMixin, TimestampMixin):
    """The target of a trial started in this clinic: what dose, by when, and what success means."""

    __tablename__ = "medication_trial_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("medication_trial.id", ondelete="CASCADE"), unique=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    drug_key: Mapped[str] = mapped_column(String(60))
    target_daily_mg: Mapped[float] = mapped_column(Float)
    target_dose_words: Mapped[str] = mapped_column(String(200))  # "300 mg three times a day (900 mg a day)"
    target_reached_on: Mapped[date] = mapped_column()
    evaluation_on: Mapped[date] = mapped_column()
    interval_days: Mapped[int | None] = mapped_column(Integer)
    success_text: Mapped[str] = mapped_column(Text)  # "night pain under 4/10 and sleep over 6 hours"
    success_measures: Mapped[list] = mapped_column(JSONType, default=list)  # [{"measure", "comparison", "value", "unit"}]
    override_reason: Mapped[str | None] = mapped_column(Text)  # why a second trial started while one was running
    above_max_reason: Mapped[str | None] = mapped_column(Text)  # why the target is above the pack's maximum
    overridden_trial_ids: Mapped[list] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class TrialPlanItem(Base, ClinicScopedMixin, TimestampMixin):
    """One dated item of a planned trial: a titration step, a monitoring check, or the evaluation."""

    __tablename__ = "medication_trial_plan_item"
    __table_args__ = (Index("ix_trial_plan_item_plan_due", "plan_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("medication_trial_plan.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # titration | check | evaluation
    number: Mapped[int] = mapped_column(Integer)  # step number, or order among checks
    due_on: Mapped[date] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    daily_mg: Mapped[float | None] = mapped_column(Float)
    check_id: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
