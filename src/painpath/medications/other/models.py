"""Other medications: what the patient takes that painpath does not assess, so it is written down and
never dropped. A clinician types one (a drug outside the clinic's packs: name, dose, sig, an RxNorm code
if known), or a records import files one from a MedicationRequest or MedicationStatement.

An imported row keeps the dose and schedule the sending system coded, so when its code names a drug the
packs know (an opioid by its SCD, say) its MME is computed on read; nothing assessed is stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

ENTERED = "entered"  # typed by a clinician on the medication page or the API
IMPORTED = "imported"  # filed from a records import
# A record's status that says the patient no longer takes it (FHIR MedicationRequest/MedicationStatement).
ENDED_STATUSES = frozenset({"stopped", "completed", "cancelled", "entered-in-error", "not-taken"})


class OtherMedication(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "other_medication"
    __table_args__ = (Index("ix_other_medication_episode", "episode_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # as typed, or the record's display
    dose: Mapped[str | None] = mapped_column(String(200))  # "500 mg", "1 tablet": words, as given
    sig: Mapped[str | None] = mapped_column(Text)  # "twice a day with food"
    rxnorm_code: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date | None] = mapped_column()
    stopped_on: Mapped[date | None] = mapped_column()
    origin: Mapped[str] = mapped_column(String(20))  # entered | imported
    record_status: Mapped[str | None] = mapped_column(String(40))  # imported: the record's status ("active", "stopped")
    # Imported rows: the coded dose and schedule (None when the record did not code them) and where from.
    dose_value: Mapped[float | None] = mapped_column(Float)
    dose_unit: Mapped[str | None] = mapped_column(String(40))  # "mg", "patch", "tablet"
    times_per_day: Mapped[float | None] = mapped_column(Float)
    interval_hours: Mapped[float | None] = mapped_column(Float)
    as_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    record_import_id: Mapped[int | None] = mapped_column(ForeignKey("record_import.id", ondelete="SET NULL"))
    source_ref: Mapped[str | None] = mapped_column(String(300))  # "MedicationRequest/abc (entry[3])"
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()

    @property
    def ended(self) -> bool:
        """Stopped here, or ended in the record it came from (the record may not say on what day)."""
        return self.stopped_on is not None or self.record_status in ENDED_STATUSES

    def active_on(self, day: date) -> bool:
        return self.record_status not in ENDED_STATUSES and (self.start_date is None or self.start_date <= day) and (self.stopped_on is None or day < self.stopped_on)
