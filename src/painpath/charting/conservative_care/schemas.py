"""Input and output shapes for conservative-care entries; the checks are in rules.py and name their field."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import InputModel, PlausibleDate, UtcDateTime, Version

Failed = Literal["yes", "no", "unknown"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class CareIn(_Input):
    kind: str = Field(max_length=30)
    start_date: PlausibleDate
    end_date: PlausibleDate | None = None  # None: still going
    description: str = Field(min_length=2, max_length=2000)
    source: Literal["reported", "clinic"] = "reported"
    drug_class: str | None = Field(default=None, max_length=40)
    failed: Failed = "unknown"


class EndIn(_Input):
    """Care stopped: the last day, and whether it helped (unchanged when not given)."""

    end_date: PlausibleDate
    failed: Failed | None = None
    version: Version


class CareOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    kind: str
    start_date: date
    end_date: date | None
    description: str
    source: str
    drug_class: str | None
    failed: str
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
