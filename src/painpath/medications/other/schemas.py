"""Input and output shapes for other medications (drugs outside the packs). Types and lengths only; the
checks that need the packs or the clinic's date (not a drug painpath assesses, dates in order) are in
other_service.validate so each names its field and rule."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import InputModel, PastDate, UtcDateTime, Version


class OtherMedicationIn(InputModel):
    """What the patient takes, in words: name (required), dose and sig as written, an RxNorm code if known."""

    name: str | None = Field(default=None, max_length=200)
    dose: str | None = Field(default=None, max_length=200)
    sig: str | None = Field(default=None, max_length=2000)
    rxnorm_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    start_date: PastDate | None = None


class OtherMedicationStop(InputModel):
    stopped_on: PastDate
    version: Version


class OtherAssessmentOut(BaseModel):
    status: Literal["counted", "excluded", "not_assessed"]
    words: str  # "not assessed by painpath", "30 MME/day (from the record's dose)"
    drug_key: str | None
    daily_mme: float | None


class OtherMedicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    name: str
    dose: str | None
    sig: str | None
    rxnorm_code: str | None
    start_date: date | None
    stopped_on: date | None
    origin: str
    record_status: str | None
    dose_value: float | None
    dose_unit: str | None
    times_per_day: float | None
    interval_hours: float | None
    as_needed: bool
    record_import_id: int | None
    source_ref: str | None
    recorded_at: UtcDateTime
    version: int
    assessment: OtherAssessmentOut | None = None
