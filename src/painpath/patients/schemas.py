"""Input and output shapes for patients, coverages and episodes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from painpath.core.validation import AppointmentDateTime, BirthDate, DbId, InputModel, PastDate, PlausibleDate, UtcDateTime, Version

Sex = Literal["female", "male", "other", "unknown"]
ContactMethod = Literal["phone", "sms", "email", "portal", "mail"]
PlanType = Literal["medicare", "medicare_advantage", "medicaid", "commercial", "workers_comp"]
Laterality = Literal["left", "right", "bilateral", "midline", "none"]
BodyRegion = Literal["cervical", "thoracic", "lumbar", "sacroiliac", "hip", "knee", "shoulder", "other"]
EpisodeStatus = Literal["open", "on_hold", "discharged"]
SubscriberRelationship = Literal["self", "spouse", "child", "other"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class PatientIn(_Input):
    mrn: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    given_name: str = Field(min_length=1, max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    birth_date: BirthDate
    sex: Sex
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+() .-]{7,40}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=300)
    preferred_contact: ContactMethod = "phone"
    home_location_id: DbId | None = None


class PatientUpdate(PatientIn):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    phone: str | None
    email: str | None
    address: str | None
    preferred_contact: str
    home_location_id: int | None
    version: int


class CoverageIn(_Input):
    payer_id: str = Field(min_length=1, max_length=60)
    member_id: str = Field(min_length=1, max_length=60)
    group_number: str | None = Field(default=None, max_length=60)
    effective_from: PlausibleDate
    effective_to: PlausibleDate | None = None
    priority: int = Field(default=1, ge=1, le=3)
    subscriber_name: str | None = Field(default=None, max_length=160, description="The card holder, when not the patient")
    subscriber_relationship: SubscriberRelationship = "self"


class CoverageUpdate(CoverageIn):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")


class CoverageEnd(_Input):
    effective_to: PlausibleDate = Field(description="The last day the coverage is in effect")
    version: Version


class CoverageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    payer_id: str
    plan_type: str
    member_id: str
    group_number: str | None
    effective_from: date
    effective_to: date | None
    priority: int
    subscriber_name: str | None
    subscriber_relationship: str
    version: int


class EpisodeIn(_Input):
    problem_summary: str = Field(min_length=3, max_length=2000)
    body_region: BodyRegion
    laterality: Laterality
    onset_date: PastDate | None = None
    # Room for the codes signed notes add over a long episode, not only those typed when it opened.
    icd10_codes: list[str] = Field(default_factory=list, max_length=40)
    responsible_clinician_id: DbId | None = None
    coordinator_id: DbId | None = None
    location_id: DbId | None = None


class EpisodeUpdate(EpisodeIn):
    status: EpisodeStatus = "open"
    version: Version


class FirstVisitBooked(_Input):
    visit_at: AppointmentDateTime = Field(description="ISO 8601; a time without an offset is the clinic's wall clock")


class EpisodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    problem_summary: str
    body_region: str
    laterality: str
    onset_date: date | None
    icd10_codes: list[str]
    status: str
    opened_at: UtcDateTime
    closed_at: UtcDateTime | None
    responsible_clinician_id: int | None
    coordinator_id: int | None
    location_id: int | None
    first_visit_booked_at: UtcDateTime | None
    first_visit_at: UtcDateTime | None
    version: int
