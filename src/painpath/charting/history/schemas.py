"""Input and output shapes of the patient's history. Each field is checked on its own (its range, its
words) here; checks that compare fields or need today's date are in rules.py. Every error names its field,
for a list row with its position: `surgeries.0.year`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import FiniteNumber, InputModel, PlausibleDate, UtcDateTime, Version
from painpath.knowledge.terms import Region

WorkStatus = Literal["working", "modified_duty", "off_work", "not_working", "retired", "student", "unknown"]
ShiftPattern = Literal["day", "night", "rotating", "none", "unknown"]
SmokingStatus = Literal["never", "former", "current", "unknown"]
SurgeryOutcome = Literal["helped", "partly_helped", "no_relief", "worse", "unknown"]

Year = Annotated[int, Ge(1900), Le(2200)]  # not in the future: rules.history_problems (it needs today)
Hours = Annotated[FiniteNumber, Ge(0), Le(24)]


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class SportIn(_Input):
    activity: str = Field(min_length=2, max_length=120)
    sessions_per_week: Annotated[int, Ge(0), Le(21)] | None = None
    still_active: bool = True


class SurgeryIn(_Input):
    procedure: str = Field(min_length=2, max_length=200)
    year: Year
    region: Region
    outcome: SurgeryOutcome = "unknown"


class InjuryIn(_Input):
    what: str = Field(min_length=2, max_length=200)
    year: Year
    region: Region | None = None


class HistoryIn(_Input):
    """The whole history as it should now read. `version` is the one the editor loaded (None: nothing was
    recorded yet); someone else's save in between is refused, never overwritten."""

    occupation: str = Field(default="", max_length=200)
    work_status: WorkStatus = "unknown"
    lifting_lb: Annotated[int, Ge(0), Le(500)] | None = None
    sitting_hours: Hours | None = None
    driving_hours: Hours | None = None
    shift_pattern: ShiftPattern = "unknown"
    work_notes: str = Field(default="", max_length=2000)
    sports: list[SportIn] = Field(default_factory=list, max_length=20)
    surgeries: list[SurgeryIn] = Field(default_factory=list, max_length=30)
    injuries: list[InjuryIn] = Field(default_factory=list, max_length=30)
    smoking_status: SmokingStatus = "unknown"
    pack_years: Annotated[FiniteNumber, Ge(0), Le(300)] | None = None
    quit_year: Year | None = None
    cotinine_ng_ml: Annotated[FiniteNumber, Ge(0), Le(10000)] | None = None
    cotinine_on: PlausibleDate | None = None  # not in the future: rules.history_problems
    alcohol_drinks_per_week: Annotated[int, Ge(0), Le(300)] | None = None
    substances: str = Field(default="", max_length=1000)
    sleep_hours: Hours | None = None
    prior_treatments: str = Field(default="", max_length=4000)
    version: Version | None = None


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    patient_id: int
    occupation: str
    work_status: str
    lifting_lb: int | None
    sitting_hours: float | None
    driving_hours: float | None
    shift_pattern: str
    work_notes: str
    sports: list[dict]
    surgeries: list[dict]
    injuries: list[dict]
    smoking_status: str
    pack_years: float | None
    quit_year: int | None
    cotinine_ng_ml: float | None
    cotinine_on: date | None
    alcohol_drinks_per_week: int | None
    substances: str
    sleep_hours: float | None
    prior_treatments: str
    updated_by_id: int | None
    changed_at: UtcDateTime
    version: int
