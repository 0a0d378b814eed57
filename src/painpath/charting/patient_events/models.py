"""Events of the patient's story as the patient tells it (or as imported records date them): a lifting
injury in 2019, a lumbar fusion in March 2021, a job change. They belong to the patient, not to one
episode: every episode of the patient shows them; `episode_id` is the episode they were recorded on.

Patients often remember only the year or the month, so the date is stored with its precision:
`occurred_on` is the first day of the period the patient named (1 Jan 2019 for "2019").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PatientEvent(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "patient_event"
    __table_args__ = (Index("ix_patient_event_patient_date", "patient_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)  # recorded on
    occurred_on: Mapped[date] = mapped_column()  # the first day of the period the patient named
    date_precision: Mapped[str] = mapped_column(String(5))  # day | month | year
    kind: Mapped[str] = mapped_column(String(20))  # rules.KINDS
    description: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(10))  # reported (told to staff) | imported (from records)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()
