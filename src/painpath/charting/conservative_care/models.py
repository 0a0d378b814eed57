"""Conservative-care history entries: a stretch of PT, home exercise, a drug taken before we saw the
patient, a brace, ... as the patient or a prior provider reported it, or as run by this clinic.

Medication trials recorded in the medications slice are not copied here; the facts gatherer reads both.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class CareEntry(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "conservative_care"
    __table_args__ = (Index("ix_conservative_care_episode_start", "episode_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # a CareKind of facts.vocabulary
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date | None] = mapped_column()  # None while ongoing
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # reported (patient / prior provider) | clinic
    drug_class: Mapped[str | None] = mapped_column(String(40))  # medications only: "nsaid", "oral_steroid", ...
    failed: Mapped[str] = mapped_column(String(8))  # yes | no | unknown
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()
