"""Input and output shapes for authorization cases. Ranges and cross-field rules are checked in the
service (with field and rule names), so the page and the API refuse the same things the same way."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from painpath.core.validation import AppointmentDateTime, InputModel, PastDate, PlausibleDate, PlausibleDateTime, Version
from painpath.interop.pas import SUBMITTER_NAMES

Priority = Literal["standard", "expedited"]
Channel = Literal["fax", "portal", "pas", "phone", "mail"]
Side = Literal["left", "right", "bilateral", "none"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class CaseOpenIn(_Input):
    procedure_id: str = Field(min_length=1, max_length=60)
    cpt_codes: list[str] = Field(default_factory=list, max_length=8, description="Defaults to the procedure's first code")
    side: Side = "none"
    levels: list[str] = Field(default_factory=list, max_length=6)
    place_of_service: str = Field(default="11", pattern=r"^[0-9]{2}$")
    units_requested: int = Field(default=1, ge=1, le=60)
    planned_on: PlausibleDate | None = None
    priority: Priority = "standard"


class _Versioned(_Input):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")


class PlannedDateIn(_Versioned):
    planned_on: PlausibleDate | None


class SubmitIn(_Versioned):
    channel: Channel
    reference: str | None = Field(default=None, max_length=120)
    submitted_at: PlausibleDateTime | None = Field(default=None, description="Defaults to now; a naive time is the clinic's wall clock")


class PendIn(_Versioned):
    request: str = Field(min_length=3, max_length=4000)
    due_at: AppointmentDateTime


class DecisionIn(_Versioned):
    outcome: Literal["approve", "partially_approve", "deny"]
    decided_at: PlausibleDateTime | None = None
    authorization_number: str | None = Field(default=None, max_length=80)
    approved_units: int | None = Field(default=None, ge=1, le=60)
    approved_codes: list[str] | None = Field(default=None, max_length=8)
    approved_from: PlausibleDate | None = None
    approved_to: PlausibleDate | None = None
    denial_reason: str | None = Field(default=None, max_length=4000)
    denial_code: str | None = Field(default=None, max_length=40)


class StepIn(_Versioned):
    """A move with only a note (mark ready, answer a pend, withdraw, reopen) or a time (peer-to-peer, appeal)."""

    action: Literal["mark_ready", "reopen", "answer_pend", "schedule_peer_to_peer", "appeal", "expire", "withdraw"]
    note: str | None = Field(default=None, max_length=4000)
    at: PlausibleDateTime | None = None


class DocumentIn(_Input):
    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1, max_length=200)
    document_date: PastDate
    value: float | None = None
    result: str | None = Field(default=None, max_length=200)
    # For an imaging report (kind imaging_report or mri_report): the study it reports, so it becomes the
    # episode's imaging study (the same fact the records tracker and the episode's imaging panel file).
    modality: str | None = Field(default=None, max_length=20, description="mri, ct, xray, ...: needed for an imaging report")
    region: str | None = Field(default=None, max_length=20, description="The imaged region; the case's region when not given")
    concordant: Literal["yes", "no", "unknown"] | None = None


class SubmitElectronicallyIn(_Input):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")
    submitter: str = Field(min_length=1, max_length=40, description=f"One of {', '.join(SUBMITTER_NAMES)}")
    fax: str | None = Field(default=None, max_length=40, description="The payer's prior-authorization fax line (packet_fax)")
