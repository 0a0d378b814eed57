"""Input and output shapes for conservative-care entries; the checks are in rules.py and name their field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Failed = Literal["yes", "no", "unknown"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CareIn(_Input):
    kind: str = Field(max_length=30)
    start_date: date
    end_date: date | None = None  # None: still going
    description: str = Field(min_length=2, max_length=2000)
    source: Literal["reported", "clinic"] = "reported"
    drug_class: str | None = Field(default=None, max_length=40)
    failed: Failed = "unknown"


class EndIn(_Input):
    """Care stopped: the last day, and whether it helped (unchanged when not given)."""

    end_date: date
    failed: Failed | None = None
    version: int = Field(ge=1)


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
    recorded_at: datetime
    version: int
