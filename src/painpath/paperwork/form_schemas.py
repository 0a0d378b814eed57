"""Input and output shapes for the forms queue; the queue's checks are in form_rules.py and name their field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, InputModel, PlausibleDate, UtcDateTime, Version


class FormRequestIn(InputModel):
    form_id: str = Field(min_length=1, max_length=60, description="Id of a form in the form definitions pack")
    requester_kind: Literal["employer", "insurer"]
    requester_name: str = Field(min_length=2, max_length=200)
    requester_contact: str | None = Field(default=None, max_length=200, description="Fax number or address to send it to")
    received_on: PlausibleDate
    employee_receipt_on: PlausibleDate | None = None
    owner_id: DbId | None = None


class DraftIn(InputModel):
    """What the clinician estimates and the chart does not hold, recorded with the draft."""

    version: Version
    flare_times: int | None = Field(default=None, ge=1, le=60)
    flare_per: Literal["week", "month"] | None = None
    flare_duration: int | None = Field(default=None, ge=1, le=90)
    flare_unit: Literal["hours", "days"] | None = None
    incapacity: str | None = Field(default=None, max_length=1000)
    expected_duration: str | None = Field(default=None, max_length=500)
    expected_return_on: PlausibleDate | None = None


class StepIn(InputModel):
    to: Literal["signed", "sent", "closed", "cancelled"]
    version: Version
    transport: Literal["print", "fax"] | None = None
    cancel_reason: str | None = Field(default=None, max_length=1000)


class FormRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    form_id: str
    requester_kind: str
    requester_name: str
    requester_contact: str | None
    received_on: date
    employee_receipt_on: date | None
    deadline_on: date | None
    target_on: date
    owner_id: int | None
    status: str
    drafted_at: UtcDateTime | None
    signed_at: UtcDateTime | None
    sent_at: UtcDateTime | None
    transport: str | None
    cancel_reason: str | None
    state_since: datetime
    version: int
