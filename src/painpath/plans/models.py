"""Care plans and their steps.

A plan follows one pathway (by id, with the pack version it started under) on one episode; its steps are
the pathway steps the episode has actually been through, each with its dates and outcome. What a step's
evaluation says is never stored: it is computed from the episode's facts and today's date on each read.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

PLAN_STATUSES = ("active", "pivoted", "completed")
STEP_STATUSES = ("active", "succeeded", "failed", "abandoned")


class CarePlan(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "care_plan"
    __table_args__ = (Index("ix_care_plan_episode_status", "episode_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(String(60))
    pack_version: Mapped[int] = mapped_column(Integer)  # the pathway pack's version when the plan started
    # [{"text": "Walk 30 minutes", "measure": "walking_minutes", "target": 30}], measure/target optional.
    goals: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | pivoted | completed
    started_on: Mapped[date] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A pivot closes this plan and starts another; the reason is kept on the closed plan.
    ended_on: Mapped[date | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)
    pivoted_to_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan.id"))


class PlanStep(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "care_plan_step"
    __table_args__ = (Index("ix_care_plan_step_plan", "plan_id"), Index("ix_care_plan_step_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plan.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(60))  # the pathway step's id
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | succeeded | failed | abandoned
    started_on: Mapped[date] = mapped_column()
    trial_ends_on: Mapped[date | None] = mapped_column()
    outcome_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    # The authorization case prepared while this step runs (its own procedure, or the one it leads to).
    authorization_case_id: Mapped[int | None] = mapped_column(ForeignKey("authorization_case.id", ondelete="SET NULL"))


class SharedDecision(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A decision shared with the patient at a pathway step (the step's `decision` block in the pathway pack):
    which options were discussed, which of their risks were gone over, the patient's questions and choice,
    and who recorded it when. One per episode and step; recording again updates it (version-checked)."""

    __tablename__ = "shared_decision"
    __table_args__ = (UniqueConstraint("episode_id", "pathway_id", "step_id", name="uq_shared_decision_episode_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(String(60))
    step_id: Mapped[str] = mapped_column(String(60))
    pack_version: Mapped[int] = mapped_column(Integer)  # the pathway pack's version the options were read from
    options_discussed: Mapped[list] = mapped_column(JSONType, default=list)  # option ids
    risks_discussed: Mapped[dict] = mapped_column(JSONType, default=dict)  # {option id: [risk ids]}
    patient_questions: Mapped[str | None] = mapped_column(Text)
    choice: Mapped[str | None] = mapped_column(String(60))  # an option id; None: not decided yet
    discussed_on: Mapped[date] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class PlanSupportItem(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A support strategy (support_strategies pack) the clinician added to the episode's care plan, with a note
    for this patient. Removing it keeps the row (who and when), so the plan's history stays readable."""

    __tablename__ = "care_plan_support_item"
    __table_args__ = (Index("ix_care_plan_support_item_episode", "episode_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    strategy_id: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)  # for this patient: "before bed", "twice a day"
    added_on: Mapped[date] = mapped_column()
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
