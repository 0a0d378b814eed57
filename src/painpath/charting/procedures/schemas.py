"""Input and output shapes for performed procedures and relief reports. Types and lengths only; the
checks that need the pack or the clock (codes, region, levels, dates) are in rules.py and name their field."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, DbInt, InputModel, PastDate, UtcDateTime

SideName = Literal["left", "right", "bilateral", "none"]
ScaleName = Literal["nrs", "vas"]
FunctionChange = Literal["better", "same", "worse"]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class ProcedureIn(_Input):
    """A procedure done on the episode. `procedure_key` is a procedures-pack id; region comes from the
    pack (give it only for a procedure whose pack region is "any", such as a stimulator trial)."""

    procedure_key: str = Field(min_length=1, max_length=60)
    cpt_codes: list[str] = Field(default_factory=list, max_length=12)
    region: str | None = Field(default=None, max_length=20)
    side: SideName = "none"
    levels: list[str] = Field(default_factory=list, max_length=12)
    performed_on: PastDate
    baseline_pain: float | None = Field(default=None, allow_inf_nan=False)
    baseline_scale: ScaleName | None = None
    encounter_id: DbId | None = None
    spacing_exception: str | None = Field(default=None, max_length=1000)
    # An injection given as a diagnostic block (an SI joint injection with anesthetic to confirm the pain
    # source): payers count it among the diagnostic blocks. Procedures the pack calls diagnostic always are.
    diagnostic: bool = False
    performed_by_id: DbId | None = Field(default=None, description="The clinician who did the procedure")


class ReliefIn(_Input):
    """Relief after a procedure: a percent, or the pain score after (percent is then computed from the baseline)."""

    measured_on: PastDate
    percent: float | None = Field(default=None, allow_inf_nan=False)
    pain_score: float | None = Field(default=None, allow_inf_nan=False)
    scale: ScaleName
    hours_after: float | None = Field(default=None, allow_inf_nan=False)
    lasted_days: DbInt | None = None
    function_change: FunctionChange | None = None
    regained: str | None = Field(default=None, max_length=1000, description="What the patient could do again")


class ReliefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    procedure_id: int
    measured_on: date
    method: Literal["percent", "pain_score"]
    percent: float
    pain_score: float | None
    scale: str
    hours_after: float | None
    lasted_days: int | None
    function_change: str | None = None
    regained: str | None = None
    recorded_at: UtcDateTime
    # Computed on every read: stored as reported, judged by the criteria engine, said here.
    same_scale_as_baseline: bool | None = None
    warnings: list[str] = Field(default_factory=list)


class ProcedureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    procedure_key: str
    procedure_name: str
    cpt_codes: list[str]
    region: str
    side: str
    levels: list[str]
    performed_on: date
    diagnostic: bool
    baseline_pain: float | None
    baseline_scale: str | None
    encounter_id: int | None
    spacing_exception: str | None
    performed_by_id: int | None = None
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
    relief: list[ReliefOut] = Field(default_factory=list)
