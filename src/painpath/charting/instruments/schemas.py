"""Input and output shapes for instrument administrations. Inputs carry answers only: no scores."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, DbInt, InputModel, PlausibleDateTime, UtcDateTime


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class AdministrationIn(_Input):
    """What was answered. A total, band or subscale sent here is refused (extra=forbid): we compute them."""

    instrument_id: str = Field(min_length=1, max_length=60)
    # item id -> answer value; None (or leaving the item out) means not answered.
    answers: dict[str, DbInt | None]
    administered_at: PlausibleDateTime | None = None  # default: now; a naive time is the clinic's wall clock
    encounter_id: DbId | None = None
    source: Literal["staff", "patient"] = "staff"


class SafetyReviewIn(_Input):
    note: str = Field(min_length=3, max_length=4000)


class ChangeOut(BaseModel):
    baseline_id: int
    baseline_total: float
    baseline_at: UtcDateTime
    is_baseline: bool
    delta: float
    improved: bool
    reached_mic: bool
    mic_known: bool
    summary: str


class AlertOut(BaseModel):
    kind: str
    item: str
    value: int
    message: str


class AdministrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    encounter_id: int | None
    instrument_id: str
    instrument_name: str
    pack_id: str
    pack_version: int
    answers: dict[str, int | None]
    total: float
    subscales: dict[str, float | None]
    band: str | None
    alerts: list[AlertOut]
    administered_at: UtcDateTime
    source: str
    administered_by_id: int | None
    recorded_by_id: int | None
    external_ref: str | None
    safety_reviewed_at: UtcDateTime | None
    safety_reviewed_by_id: int | None
    safety_review_note: str | None
    change: ChangeOut | None


class InstrumentSummaryOut(BaseModel):
    id: str
    name: str
    title: str
    direction: str
    items: list[dict]
    score_range: dict
    mic: dict | None
    has_alerts: bool
