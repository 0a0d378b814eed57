"""The patient's history as structured facts: one row per patient, carried from visit to visit and edited
(never retyped). Lists (sports, surgeries, injuries) are JSON validated row by row by `schemas.py`: they
are always read and written whole with their patient, so child tables would add joins and nothing else.

The cotinine result sits in columns of its own because a payer criterion reads it (fusion: nicotine-free).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PatientHistory(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "patient_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), unique=True)
    # Work and its physical demands.
    occupation: Mapped[str] = mapped_column(String(200), default="")
    work_status: Mapped[str] = mapped_column(String(20), default="unknown")  # schemas.WorkStatus
    lifting_lb: Mapped[int | None] = mapped_column(Integer)  # the heaviest load lifted routinely
    sitting_hours: Mapped[float | None] = mapped_column(Float)  # per working day
    driving_hours: Mapped[float | None] = mapped_column(Float)  # per working day
    shift_pattern: Mapped[str] = mapped_column(String(20), default="unknown")  # schemas.ShiftPattern
    work_notes: Mapped[str] = mapped_column(Text, default="")
    # Lists, validated by schemas.SportIn / SurgeryIn / InjuryIn.
    sports: Mapped[list] = mapped_column(JSONType, default=list)
    surgeries: Mapped[list] = mapped_column(JSONType, default=list)
    injuries: Mapped[list] = mapped_column(JSONType, default=list)
    # Habits.
    smoking_status: Mapped[str] = mapped_column(String(10), default="unknown")  # never | former | current | unknown
    pack_years: Mapped[float | None] = mapped_column(Float)
    quit_year: Mapped[int | None] = mapped_column(Integer)
    cotinine_ng_ml: Mapped[float | None] = mapped_column(Float)
    cotinine_on: Mapped[date | None] = mapped_column()
    alcohol_drinks_per_week: Mapped[int | None] = mapped_column(Integer)
    substances: Mapped[str] = mapped_column(Text, default="")
    sleep_hours: Mapped[float | None] = mapped_column(Float)  # per night
    prior_treatments: Mapped[str] = mapped_column(Text, default="")
    # Who last changed it, and when: a later visit shows it next to the history.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime] = mapped_column()
