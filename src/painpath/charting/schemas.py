"""Input and output shapes for encounters, functional measures and exam findings.

Numeric ranges and vocabularies are checked in `charting.rules` (so the service refuses them too, with
the same field and rule names); the shapes here only fix types.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbId, DbInt, FiniteNumber, InputModel, PlausibleDate, UtcDateTime, Version

EncounterType = Literal["initial", "follow_up", "procedure", "telehealth", "pt_visit"]
TestResult = Literal["positive", "negative", "not_tested"]
Side = Literal["left", "right"]
Number = FiniteNumber


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


# Encounters ------------------------------------------------------------------------------------------

class EncounterIn(_Input):
    encounter_type: EncounterType
    date_of_service: PlausibleDate  # the service refuses a future date in its own words
    narrative: str = Field(default="", max_length=50_000)
    cosigner_id: int | None = Field(default=None, description="The clinician or therapist who may sign this note besides its author")
    appointment_id: DbId | None = Field(default=None, description="The visit (an appointment of the same episode) this note documents")


class EncounterUpdate(EncounterIn):
    version: Version = Field(description="The version you loaded; a stale version is refused with 409")


class SignIn(_Input):
    version: Version


class AddendumIn(_Input):
    narrative: str = Field(min_length=1, max_length=50_000)
    date_of_service: PlausibleDate | None = Field(default=None, description="Defaults to today")


class EncounterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    encounter_type: str
    author_id: int | None
    cosigner_id: int | None = None
    date_of_service: date
    narrative: str
    status: str
    signed_at: UtcDateTime | None
    signed_by_id: int | None
    addendum_of_id: int | None
    appointment_id: int | None = None
    created_at: UtcDateTime
    version: int


# Functional measures ---------------------------------------------------------------------------------

class GoalTarget(_Input):
    measure: str
    target: Number


class GoalIn(_Input):
    text: str = Field(min_length=1, max_length=500)
    target: GoalTarget | None = None


class MeasuresIn(_Input):
    sitting_minutes: Number | None = None
    standing_minutes: Number | None = None
    walking_minutes: Number | None = None
    sleep_hours: Number | None = None
    sleep_awakenings: Number | None = None
    lifting_limit_lb: Number | None = None
    lifting_side: str = "both"
    work_status: str | None = None
    adl_limits: list[str] | None = None
    pain_now: Number | None = None
    pain_average: Number | None = None
    pain_worst: Number | None = None
    goals: list[GoalIn] = Field(default_factory=list, max_length=10)

    def values(self) -> dict:
        """The measures that were given (goals and the lifting side apart)."""
        return {k: v for k, v in self.model_dump(exclude={"goals", "lifting_side"}).items() if v is not None}


# Exam ------------------------------------------------------------------------------------------------

class SidedTest(_Input):
    left: TestResult = "not_tested"
    right: TestResult = "not_tested"


class SlrSide(_Input):
    result: TestResult = "not_tested"
    angle_degrees: int | None = Field(default=None, ge=0, le=90)


class StraightLegRaise(_Input):
    left: SlrSide = Field(default_factory=SlrSide)
    right: SlrSide = Field(default_factory=SlrSide)


class SidedDegrees(_Input):
    left: int | None = Field(default=None, ge=0, le=90)
    right: int | None = Field(default=None, ge=0, le=90)


class SiTests(_Input):
    distraction: TestResult = "not_tested"
    thigh_thrust: TestResult = "not_tested"
    compression: TestResult = "not_tested"
    sacral_thrust: TestResult = "not_tested"
    gaenslen: TestResult = "not_tested"


class MotorDeficit(_Input):
    level: str = Field(max_length=4)
    side: Side
    grade: DbInt  # MRC 0-5, checked in rules


class SensoryDeficit(_Input):
    dermatome: str = Field(max_length=4)
    side: Side
    finding: Literal["diminished", "absent", "hyperesthesia"] = "diminished"


class ExamIn(_Input):
    straight_leg_raise: StraightLegRaise = Field(default_factory=StraightLegRaise)
    facet_loading: SidedTest = Field(default_factory=SidedTest)
    spurling: SidedTest = Field(default_factory=SidedTest)
    fadir: SidedTest = Field(default_factory=SidedTest)
    hip_internal_rotation_degrees: SidedDegrees = Field(default_factory=SidedDegrees)
    si_tests: SiTests = Field(default_factory=SiTests)
    motor_deficits: list[MotorDeficit] = Field(default_factory=list, max_length=20)
    sensory_deficits: list[SensoryDeficit] = Field(default_factory=list, max_length=20)
    # {"patellar": {"left": 2, "right": "diminished"}}: 0-4 or a word, checked in rules
    reflexes: dict[str, dict[Side, DbInt | str | None]] = Field(default_factory=dict)
    diagnosis_codes: list[str] = Field(default_factory=list, max_length=12)
    reasoning: str = Field(default="", max_length=5000)


class ExamOut(BaseModel):
    encounter_id: int
    findings: dict
    diagnosis_codes: list[str]
    reasoning: str
    si_positive_count: int
