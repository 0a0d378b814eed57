"""Work restrictions and the graded return-to-work plan.

A work restriction is a dated statement of what the patient may do at work (duty level, then items with a
value and unit: lifting 15 lb occasionally with the right arm, sitting 45 minutes at a time ...). A clinician
signs it; a signed one never changes, and a change is a new restriction that names the one it follows
(`previous_id`). The return-to-work plan is a list of dated steps on the episode (three 8-hour shifts a week
from 4 Jan, then full duty from 1 Feb), each confirmed with the employer by a coordinator and checked by a
clinician once it has started.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class WorkRestriction(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "work_restriction"
    __table_args__ = (Index("ix_work_restriction_episode", "episode_id", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    # The signed restriction this one follows (an extension or an amendment); None for the first.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("work_restriction.id"), index=True)
    issued_on: Mapped[date] = mapped_column()
    valid_until: Mapped[date] = mapped_column()
    re_evaluate_on: Mapped[date] = mapped_column()
    duty_level: Mapped[str] = mapped_column(String(10))  # full | light | modified | off
    # [{"activity": "lifting", "value": 15, "unit": "lb", "frequency": "occasional", "side": "right", "note": None}, ...]
    items: Mapped[list] = mapped_column(JSONType, default=list)
    # The functional measures the items were drafted from, with their dates: {"sitting_minutes": "2026-12-02", ...}
    based_on: Mapped[dict] = mapped_column(JSONType, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | signed
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime | None] = mapped_column()

    @property
    def reference(self) -> str:
        return f"WR-{self.id:06d}"


class ReturnToWorkStep(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """One dated step of the graded return to work. Its start owes a coordinator's confirmation with the
    employer and a clinician's check of how the step goes."""

    __tablename__ = "return_to_work_step"
    __table_args__ = (Index("ix_return_to_work_step_episode", "episode_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column()
    kind: Mapped[str] = mapped_column(String(12))  # graded | role_switch | full_duty
    description: Mapped[str] = mapped_column(Text)  # "three 8-hour shifts a week, no lifting over 15 lb"
    hours_per_week: Mapped[int | None] = mapped_column(Integer)
    employer_confirmed_on: Mapped[date | None] = mapped_column()
    employer_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    clinician_checked_on: Mapped[date | None] = mapped_column()
    clinician_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    check_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


# The forms queue's table lives in its own module; gathered here so Alembic and the app find it.
from painpath.paperwork.form_models import FormRequest  # noqa: E402, F401
