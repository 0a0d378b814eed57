"""Input and output shapes for prior providers, records requests and received documents."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from painpath.core.validation import DbId, InputModel, PlausibleDate, UtcDateTime, Version

ProviderKind = Literal["physician", "imaging_center", "hospital", "therapy", "other"]
TransportName = Literal["print", "fax", "direct"]
RecordItem = Literal["mri_report", "operative_notes", "pt_notes", "medication_list", "imaging", "office_notes"]
FollowUpMethod = Literal["phone", "fax", "direct", "email", "portal", "other"]
RequestStatus = Literal["draft", "sending", "sent", "acknowledged", "received", "incomplete", "failed"]

ITEM_LABELS: dict[str, str] = {
    "mri_report": "MRI reports",
    "operative_notes": "Operative notes",
    "pt_notes": "Physical therapy notes",
    "medication_list": "Medication list",
    "imaging": "Imaging (images and reports)",
    "office_notes": "Office notes",
}
KIND_LABELS: dict[str, str] = {
    "physician": "Physician",
    "imaging_center": "Imaging center",
    "hospital": "Hospital",
    "therapy": "Therapy",
    "other": "Other",
}
TRANSPORT_LABELS: dict[str, str] = {"fax": "Fax", "direct": "Direct secure message", "print": "Print and mail"}
FOLLOW_UP_LABELS: dict[str, str] = {
    "phone": "Phone call", "fax": "Fax", "direct": "Direct message", "email": "E-mail", "portal": "Portal", "other": "Other",
}

_PHONE = r"^[0-9+() .-]{7,40}$"


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class ProviderIn(_Input):
    name: str = Field(min_length=2, max_length=200)
    kind: ProviderKind
    fax: str | None = Field(default=None, max_length=40, pattern=_PHONE)
    direct_address: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
    phone: str | None = Field(default=None, max_length=40, pattern=_PHONE)


class ProviderUpdate(ProviderIn):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")


class ProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    name: str
    kind: str
    fax: str | None
    direct_address: str | None
    phone: str | None
    version: int


class RequestedItemIn(_Input):
    item: RecordItem
    date_from: PlausibleDate | None = None
    date_to: PlausibleDate | None = None

    @model_validator(mode="after")
    def _range(self) -> "RequestedItemIn":
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("the date range ends before it starts")
        return self


class RecordsRequestIn(_Input):
    provider_id: DbId
    items: list[RequestedItemIn] = Field(min_length=1, max_length=len(ITEM_LABELS))
    transport: TransportName
    authorization_reference: str = Field(min_length=2, max_length=200, description="The patient's signed release: form name or document number")
    authorization_date: PlausibleDate
    requesting_clinician_id: DbId | None = Field(default=None, description="Defaults to the episode's responsible clinician")

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[RequestedItemIn]) -> list[RequestedItemIn]:
        names = [i.item for i in items]
        if len(set(names)) != len(names):
            raise ValueError("an item is listed twice")
        return items


class RetryIn(_Input):
    transport: TransportName | None = Field(default=None, description="Switch transport for this attempt (e.g. fax to print)")


class FollowUpIn(_Input):
    method: FollowUpMethod = "phone"


class RecordsRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    episode_id: int
    patient_id: int
    provider_id: int
    items: list[dict]
    transport: str
    status: str
    authorization_reference: str
    authorization_date: date
    requesting_clinician_id: int | None
    attempts: int
    last_error: str | None
    next_attempt_at: UtcDateTime | None
    sent_at: UtcDateTime | None
    sent_to: str | None
    acknowledged_at: UtcDateTime | None
    received_at: UtcDateTime | None
    follow_up_count: int
    created_at: UtcDateTime
    version: int


class RecordsDocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    request_id: int | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    items: list[str]
    uploaded_by_id: int | None
    uploaded_at: UtcDateTime
