"""Locations, patients, coverages and episodes of care."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class Location(Base, ClinicScopedMixin, TimestampMixin):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    fax: Mapped[str | None] = mapped_column(String(40))


class Patient(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "patient"
    __table_args__ = (
        UniqueConstraint("clinic_id", "mrn", name="uq_patient_clinic_mrn"),
        Index("ix_patient_name", "clinic_id", "family_name", "given_name"),
        Index("ix_patient_birth_date", "clinic_id", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(40))
    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column()
    sex: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    preferred_contact: Mapped[str] = mapped_column(String(20), default="phone")
    home_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class Coverage(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    payer_id: Mapped[str] = mapped_column(String(60))  # id in the payer directory pack
    plan_type: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[str] = mapped_column(String(60))
    group_number: Mapped[str | None] = mapped_column(String(60))
    effective_from: Mapped[date] = mapped_column()
    effective_to: Mapped[date | None] = mapped_column()
    priority: Mapped[int] = mapped_column(default=1)  # 1 primary, 2 secondary
    # The card holder; None with relationship "self" means the patient is the subscriber.
    subscriber_name: Mapped[str | None] = mapped_column(String(160))
    subscriber_relationship: Mapped[str] = mapped_column(String(10), default="self", server_default="self")


class Episode(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """One patient, one pain problem, from first call to discharge."""

    __tablename__ = "episode"
    __table_args__ = (Index("ix_episode_open", "clinic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    problem_summary: Mapped[str] = mapped_column(Text)
    body_region: Mapped[str] = mapped_column(String(30))
    laterality: Mapped[str] = mapped_column(String(10))
    onset_date: Mapped[date | None] = mapped_column()
    icd10_codes: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    responsible_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    # Set when the first visit is booked; the intake slice's appointments will record it.
    first_visit_booked_at: Mapped[datetime | None] = mapped_column()
    first_visit_at: Mapped[datetime | None] = mapped_column()
