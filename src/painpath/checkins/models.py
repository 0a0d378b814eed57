"""What staff did to a scheduled check-in: one row per (episode, check-in key).

The schedule itself is computed (checkins.rules) from dated facts and the packs; only what people did is
stored: the check-in note, a booked video time, a new day after a miss, a cancellation with its reason, and
a clinician's review of red flags reported at the check-in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class CheckinRecord(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "checkin_record"
    __table_args__ = (UniqueConstraint("episode_id", "key", name="uq_checkin_record_episode_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))  # the scheduled check-in's key ("procedure:12:1")
    kind: Mapped[str] = mapped_column(String(20))  # after_procedure | pt_block | taper | weekly_scores
    # The check-in note
    pain_now: Mapped[int | None] = mapped_column(Integer)  # 0-10
    function_words: Mapped[str | None] = mapped_column(Text)
    side_effects: Mapped[str | None] = mapped_column(Text)
    red_flags: Mapped[bool | None] = mapped_column(Boolean)
    red_flags_words: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    relief_percent: Mapped[float | None] = mapped_column(Float)  # after a procedure; also stored as a relief report
    relief_id: Mapped[int | None] = mapped_column(Integer)  # that relief report (charting.procedures)
    done_on: Mapped[date | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A set time for the video call
    booked_at: Mapped[datetime | None] = mapped_column()  # naive UTC
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # A new last day after a miss
    rescheduled_to: Mapped[date | None] = mapped_column()
    rescheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Cancelled with a reason
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A clinician's review of red flags reported at the check-in
    red_flags_reviewed_at: Mapped[datetime | None] = mapped_column()
    red_flags_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
