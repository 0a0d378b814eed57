"""Request bodies of the therapy API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CourseIn(_Input):
    protocol_id: str = Field(min_length=1, max_length=80, description="A PT protocol pack id (knowledge.pt_protocols)")
    therapist_id: int = Field(description="The user (role therapist) who gives the course")
    practice_name: str = Field(min_length=1, max_length=200)
    practice_kind: Literal["onsite", "partner"] = "onsite"
    practice_fax: str | None = Field(default=None, max_length=40)
    frequency_per_week: int | None = Field(default=None, ge=1, le=5, description="Defaults to the protocol's")
    duration_weeks: int | None = Field(default=None, ge=1, le=52, description="Defaults to the protocol's")
    start_date: date
    goals: str = Field(default="", max_length=2000, description="Functional goals; the protocol's when empty")


class AuthorizationIn(_Input):
    visits_approved: int = Field(ge=1, le=200)
    window_from: date
    window_to: date
    authorization_number: str | None = Field(default=None, max_length=80)


class ExtensionRequestedIn(_Input):
    version: int = Field(ge=1)
    requested_at: datetime | None = Field(default=None, description="Defaults to now")


class ExtensionAnswerIn(_Input):
    version: int = Field(ge=1)
    outcome: Literal["approved", "denied", "partial"]
    answered_at: datetime | None = Field(default=None, description="Defaults to now")
    # An approval (or partial approval) comes with visits and a window: recorded as the next authorization.
    visits_approved: int | None = Field(default=None, ge=1, le=200)
    window_from: date | None = None
    window_to: date | None = None
    authorization_number: str | None = Field(default=None, max_length=80)


class ProgressReportIn(_Input):
    written_on: date
    summary: str = Field(min_length=1, max_length=20_000)
    encounter_id: int | None = None


class CertificationIn(_Input):
    certified_on: date


class SendPrescriptionIn(_Input):
    transport: Literal["fax", "print"] = "fax"
