"""Opioid tapers (dated steps); planned trials' tables are in medications/trials/models.py.

The schedules are generated once, from the packs, when the plan is made (medications/tapers/rules.py) and
stored as dated rows, so a pack changed later never moves a date the patient was given; a pause moves the
rows that are still ahead. Whether a step is due, overdue or missed is computed on read by the obligation
provider (medications/obligations.py, with tapers/obligations.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class TaperPlan(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """An opioid taper: from the regimen at the start to a target MME/day at a chosen rate."""

    __tablename__ = "opioid_taper_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column()
    original_mme: Mapped[float] = mapped_column(Float)
    target_mme: Mapped[float] = mapped_column(Float)
    rate: Mapped[str] = mapped_column(String(30))  # monthly | short_term_weekly
    percent_per_step: Mapped[float] = mapped_column(Float)
    rate_words: Mapped[str] = mapped_column(Text)
    rate_source: Mapped[str] = mapped_column(Text)
    faster_reason: Mapped[str | None] = mapped_column(Text)  # a clinician's reason for more than 10% a month
    factor_set: Mapped[str] = mapped_column(String(40))
    regimen: Mapped[list] = mapped_column(JSONType)  # the prescriptions the taper started from, as given
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | paused | completed
    paused_on: Mapped[date | None] = mapped_column()
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)  # total, over every resumed pause
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class TaperStep(Base, ClinicScopedMixin, TimestampMixin):
    """One dated row of a taper: a dose step (with the regimen in words and its MME) or a follow-up."""

    __tablename__ = "opioid_taper_step"
    __table_args__ = (Index("ix_opioid_taper_step_plan_due", "plan_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("opioid_taper_plan.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # step | follow_up
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column()
    regimen_words: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list] = mapped_column(JSONType, default=list)  # [{"product", "strength_mg", "times_per_day"}]
    daily_mme: Mapped[float | None] = mapped_column(Float)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
