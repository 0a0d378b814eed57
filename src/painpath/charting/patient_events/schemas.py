"""Input and output shapes for the patient's timeline events; the date checks are in rules.py and
name the part of the date that is wrong (year, month or day)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import InputModel, UtcDateTime, Version


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class EventIn(_Input):
    """One event as the patient tells it: the year, and the month and day when the patient remembers them."""

    kind: str = Field(max_length=20)
    year: int = Field(ge=1, le=9999)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    description: str = Field(min_length=2, max_length=500)


class EventUpdate(EventIn):
    version: Version


class RemoveIn(_Input):
    """Remove an event recorded by mistake: the version the user saw."""

    version: Version


class RemovedOut(BaseModel):
    id: int
    episode_id: int  # the episode it was recorded on


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    episode_id: int
    occurred_on: date
    date_precision: str
    kind: str
    description: str
    origin: str
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
