"""Prescriptions and the opioid-safety facts around them (agreement, PDMP checks, drug tests, naloxone).

Only facts are stored. Daily MME (per prescription and in total), "renewal due", "next drug test due"
and every obligation are computed on read from these facts, the packs and today's date, so a factor
corrected in a pack corrects every screen at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class MedicationPrescription(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """One prescription as written: drug, strength, how much how often, how many for how long, by whom.

    A dose change is a new row naming the one it replaces (`previous_id`); the earlier row is stopped
    on the day the new one starts.
    """

    __tablename__ = "medication_prescription"
    __table_args__ = (Index("ix_medication_prescription_episode_start", "episode_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    drug_key: Mapped[str] = mapped_column(String(60))  # the pack's id (opioid pack or medication-trial pack)
    drug_name: Mapped[str] = mapped_column(String(200))
    rxnorm_code: Mapped[str | None] = mapped_column(String(20))
    drug_class: Mapped[str] = mapped_column(String(40))  # opioid | benzodiazepine | gabapentinoid | snri | ...
    strength: Mapped[float] = mapped_column(Float)
    strength_unit: Mapped[str] = mapped_column(String(10))  # mg | mcg | mcg/hr
    dose_units: Mapped[float] = mapped_column(Float)  # tablets (or patches, sprays) per dose
    times_per_day: Mapped[float | None] = mapped_column(Float)
    interval_hours: Mapped[float | None] = mapped_column(Float)  # "every N hours" instead of times a day
    as_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    prn_max_per_day: Mapped[float | None] = mapped_column(Float)  # doses a day at most, when as needed
    form: Mapped[str] = mapped_column(String(30))  # oral | transdermal_patch | buccal | nasal | topical | injection
    quantity: Mapped[float | None] = mapped_column(Float)
    days_supply: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date | None] = mapped_column()  # last day of the supply; None: open-ended
    stopped_on: Mapped[date | None] = mapped_column()  # first day no longer taken
    stop_reason: Mapped[str | None] = mapped_column(Text)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    is_opioid: Mapped[bool] = mapped_column(Boolean, default=False)
    is_benzodiazepine: Mapped[bool] = mapped_column(Boolean, default=False)
    is_gabapentinoid: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("medication_prescription.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()

    def active_on(self, day: date) -> bool:
        if day < self.start_date:
            return False
        if self.stopped_on is not None and day >= self.stopped_on:
            return False
        return self.end_date is None or day <= self.end_date


class OpioidAgreement(Base, ClinicScopedMixin, TimestampMixin):
    """An opioid treatment agreement signed with the patient; renewal is due a year on (computed)."""

    __tablename__ = "opioid_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    signed_on: Mapped[date] = mapped_column()
    clinician_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))  # who discussed and co-signed it
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class PdmpCheck(Base, ClinicScopedMixin, TimestampMixin):
    """A PDMP report looked at: when, by whom, which state, what it showed, through which plugin."""

    __tablename__ = "pdmp_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[datetime] = mapped_column()
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    state: Mapped[str] = mapped_column(String(2))
    summary: Mapped[str] = mapped_column(Text)
    findings: Mapped[list] = mapped_column(JSONType, default=list)  # keys of interop.pdmp.FINDING_FLAGS
    plugin: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column()


class UrineDrugTest(Base, ClinicScopedMixin, TimestampMixin):
    __tablename__ = "urine_drug_test"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    collected_on: Mapped[date] = mapped_column()
    result: Mapped[str] = mapped_column(String(20))  # expected | unexpected | pending
    unexpected_findings: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class NaloxoneOffer(Base, ClinicScopedMixin, TimestampMixin):
    __tablename__ = "naloxone_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    offered_on: Mapped[date] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(20))  # accepted | declined | already_has
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()
