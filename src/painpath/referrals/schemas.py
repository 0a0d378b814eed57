"""Input and output shapes for referrals and receiving practices; the loop's checks are in rules.py and
name their field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, InputModel, PlausibleDate, UtcDateTime, Version

Urgency = Literal["routine", "urgent"]


class PracticeIn(InputModel):
    name: str = Field(min_length=2, max_length=200)
    specialties: list[str] = Field(min_length=1, max_length=20, description="Ids of the referral specialties pack")
    clinician_name: str | None = Field(default=None, max_length=200)
    fax: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    direct_address: str | None = Field(default=None, max_length=200)


class PracticeUpdate(PracticeIn):
    active: bool = True
    version: Version


class ReferralIn(InputModel):
    specialty: str = Field(min_length=1, max_length=60)
    practice_id: DbId
    reason: str = Field(min_length=3, max_length=2000)
    question: str = Field(min_length=3, max_length=2000, description="What the clinic asks the consultant")
    urgency: Urgency = "routine"
    records: list[str] = Field(default_factory=list, max_length=40, description='References of the episode\'s documents on file: "imaging_study:3"')
    plan_step_row_id: DbId | None = None


class TransitionIn(InputModel):
    """A step the practice told us of, the clinician's close, or a cancellation."""

    to: Literal["acknowledged", "scheduled", "seen", "consult_received", "closed", "cancelled"]
    version: Version
    acknowledged_on: PlausibleDate | None = None
    appointment_on: PlausibleDate | None = None
    seen_on: PlausibleDate | None = None
    consult_note_on: PlausibleDate | None = None
    consult_summary: str | None = Field(default=None, max_length=4000)
    plan_adjustment: str | None = Field(default=None, max_length=4000)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    practice_confirmed: bool = False


class SendIn(InputModel):
    transport: Literal["print", "fax", "direct"]
    version: Version


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    specialty: str
    practice_id: int
    reason: str
    question: str
    urgency: str
    records: list[dict]
    plan_step_row_id: int | None
    status: str
    transmission: str
    sent_at: UtcDateTime | None
    acknowledged_on: date | None
    appointment_on: date | None
    seen_on: date | None
    consult_note_on: date | None
    consult_summary: str | None
    closed_at: UtcDateTime | None
    plan_adjustment: str | None
    cancel_reason: str | None
    state_since: datetime
    version: int
