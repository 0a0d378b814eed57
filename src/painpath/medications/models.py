"""Medication history: one row per drug at one dose over a span of days (a dose change is a new trial).

The adequacy label (adequate, inadequate, not tolerated, in progress, unknown drug) is never stored: it
is computed on read by painpath.charting.trials from these facts, the packs and today's date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
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

# Prescriptions and opioid-safety facts (issue 7): their own module, imported so every table is registered.
from painpath.medications import safety_models  # noqa: E402,F401
# Planned trials and opioid tapers (issue 7 items 1 and 4): their own module, imported so the tables are registered.
from painpath.medications import plan_models  # noqa: E402,F401
# Other medications (issue 13 item 2): drugs outside the packs, entered or imported; their own module.
from painpath.medications import other_models  # noqa: E402,F401
