"""Request bodies of the therapy API."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from painpath.core.validation import DbId, InputModel, PastDate, PlausibleDate, PlausibleDateTime, Version


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class CourseIn(_Input):
    protocol_id: str = Field(min_length=1, max_length=80, description="A PT protocol pack id (knowledge.pt_protocols)")
    therapist_id: DbId = Field(description="The user (role therapist) who gives the course")
    practice_name: str = Field(min_length=1, max_length=200)
    practice_kind: Literal["onsite", "partner"] = "onsite"
    practice_fax: str | None = Field(default=None, max_length=40)
    frequency_per_week: int | None = Field(default=None, ge=1, le=5, description="Defaults to the protocol's")
    duration_weeks: int | None = Field(default=None, ge=1, le=52, description="Defaults to the protocol's")
    start_date: PlausibleDate
    goals: str = Field(default="", max_length=2000, description="Functional goals; the protocol's when empty")


class AuthorizationIn(_Input):
    visits_approved: int = Field(ge=1, le=200)
    window_from: PlausibleDate
    window_to: PlausibleDate
    authorization_number: str | None = Field(default=None, max_length=80)


class ExtensionRequestedIn(_Input):
    version: Version
    requested_at: PlausibleDateTime | None = Field(default=None, description="Defaults to now")
    # The progress report sent with the request (one of the course's); without one, `reason` says why.
    progress_report_id: DbId | None = None
    reason: str | None = Field(default=None, max_length=2000)


class ExtensionAnswerIn(_Input):
    version: Version
    outcome: Literal["approved", "denied", "partial"]
    answered_at: PlausibleDateTime | None = Field(default=None, description="Defaults to now")
    # An approval (or partial approval) comes with visits and a window: recorded as the next authorization.
    visits_approved: int | None = Field(default=None, ge=1, le=200)
    window_from: PlausibleDate | None = None
    window_to: PlausibleDate | None = None
    authorization_number: str | None = Field(default=None, max_length=80)


class ProgressReportIn(_Input):
    written_on: PlausibleDate
    summary: str = Field(min_length=1, max_length=20_000)
    encounter_id: DbId | None = None


class CertificationIn(_Input):
    certified_on: PlausibleDate


class SendPrescriptionIn(_Input):
    transport: Literal["fax", "print"] = "fax"


class CourseEndIn(_Input):
    """End an active course: the patient was discharged from PT (completed), or the course stopped early (cancelled)."""

    outcome: Literal["completed", "cancelled"] = Field(description="completed: discharged from PT; cancelled: stopped early")
    ended_on: PastDate
    reason: str = Field(min_length=5, max_length=2000, description="Why the course ended, in words the care team reads")
    version: Version


class ProtocolSwitchIn(_Input):
    """Switch an active course to another protocol: the plan pivoted (lumbar to hip work, say)."""

    protocol_id: str = Field(min_length=1, max_length=80, description="The new PT protocol pack id")
    reason: str = Field(min_length=5, max_length=2000, description="Why the protocol changes, in words the therapist reads")
    changed_on: PastDate
    version: Version
