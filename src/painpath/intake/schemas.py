"""Input and output shapes for intake calls, attempts, triage and appointments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from painpath.core.validation import AppointmentDateTime, BirthDate, DbId, DbInt, InputModel, PlausibleDateTime, UtcDateTime, Version
from painpath.patients.schemas import BodyRegion, Laterality, Sex


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class NewCaller(_Input):
    """A person not yet registered: enough to open a chart at first contact."""

    given_name: str = Field(min_length=1, max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    birth_date: BirthDate
    sex: Sex
    phone: str = Field(min_length=7, max_length=40, pattern=r"^[0-9+() .-]{7,40}$")


class CallIn(_Input):
    patient_id: DbId | None = None
    new_patient: NewCaller | None = None
    source: Literal["phone", "referral", "fax", "portal"] = "phone"
    caller_name: str = Field(min_length=1, max_length=120)
    caller_phone: str = Field(min_length=7, max_length=40, pattern=r"^[0-9+() .-]{7,40}$")
    caller_relation: Literal["self", "family", "referring_office", "other"] = "self"
    referring_provider: str | None = Field(default=None, max_length=200)
    reason: str = Field(min_length=3, max_length=2000)
    pain_location: str = Field(min_length=2, max_length=120)
    pain_duration_weeks: int | None = Field(default=None, ge=0, le=52 * 80)
    payer_id: str | None = Field(default=None, max_length=60)
    # From the insurance card; with the payer they become the patient's coverage from the call's day.
    member_id: str | None = Field(default=None, max_length=60)
    group_number: str | None = Field(default=None, max_length=60)
    body_region: BodyRegion
    laterality: Laterality = "none"
    received_at: PlausibleDateTime | None = Field(default=None, description="When the call came in; default now (clinic wall clock if no offset)")

    @model_validator(mode="after")
    def _one_patient(self) -> "CallIn":
        if (self.patient_id is None) == (self.new_patient is None):
            raise ValueError("give either patient_id (a registered patient) or new_patient (first contact), not both")
        return self


class AttemptIn(_Input):
    outcome: Literal["reached", "no_answer", "voicemail", "busy", "wrong_number"]
    note: str | None = Field(default=None, max_length=2000)


class LetterIn(_Input):
    channel: Literal["letter", "portal"]


class TriageIn(_Input):
    answers: dict[str, bool | DbInt | str | None]


class AcknowledgeIn(_Input):
    note: str = Field(min_length=3, max_length=2000, description="What the clinician did: e.g. spoke to the patient, ED confirmed")


class AppointmentIn(_Input):
    visit_type: Literal["new_patient", "urgent", "follow_up", "procedure"] = "new_patient"
    provider_type: Literal["app", "physician", "therapist"] = "app"
    provider_id: DbId | None = None
    location_id: DbId | None = None
    start_at: AppointmentDateTime = Field(description="ISO 8601; without an offset it is the clinic's wall clock")
    duration_minutes: int = Field(default=40, ge=10, le=240)
    modality: Literal["in_person", "telehealth"] = "in_person"
    reason: str | None = Field(default=None, max_length=500)


class VisitMoveIn(_Input):
    """Check in, complete or mark a no-show: only the version the person loaded."""

    version: Version


class CancelIn(VisitMoveIn):
    reason: str = Field(min_length=3, max_length=500, description="Why the visit is cancelled, in a few words")


class RescheduleIn(VisitMoveIn):
    start_at: AppointmentDateTime = Field(description="The new time; without an offset it is the clinic's wall clock")


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    episode_id: int
    source: str
    caller_name: str
    caller_phone: str
    caller_relation: str
    referring_provider: str | None
    reason: str
    pain_location: str
    pain_duration_weeks: int | None
    payer_id: str | None
    received_at: UtcDateTime
    status: str
    reached_at: UtcDateTime | None
    letter_sent_at: UtcDateTime | None
    version: int


class TriageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    urgency: str
    reasons: list[str]
    hits: list[dict]
    yellow_flags: list[str]
    decided_at: UtcDateTime
    acknowledged_at: UtcDateTime | None
    acknowledged_by_id: int | None


class AppointmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    visit_type: str
    provider_type: str
    provider_id: int | None
    location_id: int | None
    start_at: UtcDateTime
    duration_minutes: int
    modality: str
    status: str
    booked_at: UtcDateTime
    checked_in_at: UtcDateTime | None = None
    completed_at: UtcDateTime | None = None
    no_show_at: UtcDateTime | None = None
    cancelled_at: UtcDateTime | None = None
    cancel_reason: str | None = None
    rescheduled_to_id: int | None = None
    version: int
