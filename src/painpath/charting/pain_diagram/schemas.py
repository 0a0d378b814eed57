"""Input and output shapes for pain diagrams; the checks that need the region pack are in rules.py."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import InputModel, UtcDateTime, Version


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class MarkIn(_Input):
    region: str = Field(min_length=1, max_length=40)
    pain_type: str = Field(min_length=1, max_length=20)
    intensity: int = Field(ge=0, le=10)


class DiagramIn(_Input):
    """The whole diagram of one visit note: every marked region. `version` is the diagram's as loaded;
    None when the note has no diagram yet (a diagram saved meanwhile by someone else is then refused)."""

    marks: list[MarkIn] = Field(default_factory=list, max_length=60)
    version: Version | None = None


class MarkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    region: str
    pain_type: str
    intensity: int


class DiagramOut(BaseModel):
    id: int
    encounter_id: int
    episode_id: int
    date_of_service: date
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
    marks: list[MarkOut]
