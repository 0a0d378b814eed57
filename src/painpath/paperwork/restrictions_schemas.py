"""Input and output shapes for work restrictions and return-to-work steps. The checks that need more than one
field (dates in order, a side only with a lifting limit, an extension's measures) are in restrictions_rules.py
and name their field."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import FiniteNumber, InputModel, PlausibleDate, UtcDateTime, Version

DutyLevel = Literal["full", "light", "modified", "off"]


class LimitsIn(InputModel):
    """The items, one field each, as the form has them; restrictions_rules.items_from stores them with units."""

    lifting_lb: FiniteNumber | None = None
    lifting_frequency: Literal["occasional", "frequent", "constant"] | None = None
    lifting_side: Literal["left", "right", "both"] | None = None
    carrying_lb: FiniteNumber | None = None
    sitting_minutes: FiniteNumber | None = None
    standing_minutes: FiniteNumber | None = None
    walking_minutes: FiniteNumber | None = None
    hours_per_day: FiniteNumber | None = None
    shifts_per_week: FiniteNumber | None = None
    break_every_minutes: FiniteNumber | None = None
    driving: Literal["yes", "no", "limited"] | None = None
    driving_minutes: FiniteNumber | None = None
    avoid: list[str] = Field(default_factory=list, max_length=20, description="Positions to avoid: ladder_climbing, overhead_reach, ...")


class RestrictionIn(LimitsIn):
    duty_level: DutyLevel
    issued_on: PlausibleDate
    valid_until: PlausibleDate
    re_evaluate_on: PlausibleDate
    notes: str = Field(default="", max_length=2000)


class SignIn(InputModel):
    version: Version


class StepIn(InputModel):
    starts_on: PlausibleDate
    kind: Literal["graded", "role_switch", "full_duty"]
    description: str = Field(min_length=3, max_length=500, description='What the step is: "three 8-hour shifts a week, no lifting over 15 lb"')
    hours_per_week: int | None = Field(default=None, ge=0, le=80)


class StepRecordIn(InputModel):
    """A coordinator's confirmation with the employer, or a clinician's check of how the step goes."""

    what: Literal["employer_confirmed", "clinician_checked"]
    on: PlausibleDate
    note: str | None = Field(default=None, max_length=2000)
    version: Version


class RestrictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    previous_id: int | None
    issued_on: date
    valid_until: date
    re_evaluate_on: date
    duty_level: str
    items: list[dict]
    based_on: dict
    notes: str
    status: str
    signed_at: UtcDateTime | None
    version: int


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    starts_on: date
    kind: str
    description: str
    hours_per_week: int | None
    employer_confirmed_on: date | None
    clinician_checked_on: date | None
    check_note: str | None
    version: int
