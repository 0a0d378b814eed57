"""Input and output shapes for imaging studies; the checks are in rules.py and name their field."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, InputModel, PastDate, UtcDateTime, Version

Concordant = Literal["yes", "no", "unknown"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class StudyIn(_Input):
    modality: str = Field(max_length=20)
    region: str = Field(max_length=20)
    study: str = Field(min_length=2, max_length=200, description='What was done: "MRI lumbar spine without contrast"')
    origin: Literal["clinic", "outside"] = "outside"
    performed_on: PastDate
    report_on_file: bool = False
    records_request_id: DbId | None = Field(default=None, description="The records request the report came back on")
    concordant: Concordant = "unknown"
    summary: str = Field(default="", max_length=4000)


class ReportIn(_Input):
    """The report of a known study arrived."""

    records_request_id: DbId | None = None
    concordant: Concordant = "unknown"
    summary: str = Field(default="", max_length=4000)
    version: Version


class StudyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    modality: str
    region: str
    study: str
    origin: str
    performed_on: date
    report_on_file: bool
    records_request_id: int | None
    concordant: str
    summary: str
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
