"""Input and output shapes for medication trials. Types and lengths only here; the clinical checks
(dose bounds, dates, reason needs a stop date) are in service.validate so each names its field and rule."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import DbInt, InputModel, PlausibleDate, UtcDateTime, Version

ReasonStopped = Literal["ineffective", "side_effects", "cost", "other"]
RouteName = Literal["oral", "topical", "transdermal", "injection", "other"]

REASON_WORDS: dict[str, str] = {
    "ineffective": "Did not help",
    "side_effects": "Side effects",
    "cost": "Cost",
    "other": "Other",
}
ROUTE_WORDS: dict[str, str] = {"oral": "By mouth", "topical": "On the skin", "transdermal": "Patch", "injection": "Injection", "other": "Other"}


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class TrialIn(_Input):
    """One drug at one dose. Name it by pack id (`drug_key`), RxNorm code, or name; give dose_mg with
    times_per_day, or daily_mg, or neither (a patch or cream)."""

    drug_key: str | None = Field(default=None, max_length=60)
    rxnorm_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    drug_name: str | None = Field(default=None, max_length=200)
    dose_mg: float | None = Field(default=None, allow_inf_nan=False)
    times_per_day: DbInt | None = None
    daily_mg: float | None = Field(default=None, allow_inf_nan=False)
    route: RouteName | None = None  # default: the pack's route, else oral
    start_date: PlausibleDate
    stop_date: PlausibleDate | None = None
    reason_stopped: ReasonStopped | None = None
    response: str | None = Field(default=None, max_length=2000)
    relief_percent: DbInt | None = None


class TrialUpdate(TrialIn):
    version: Version


class StopIn(_Input):
    stop_date: PlausibleDate
    reason_stopped: ReasonStopped | None = None
    response: str | None = Field(default=None, max_length=2000)
    relief_percent: DbInt | None = None
    version: Version


class TargetOut(BaseModel):
    drug_id: str
    min_daily_mg: float | None
    min_days: int
    dose_rule: str | None
    sources: list[str]


class AssessmentOut(BaseModel):
    label: Literal["adequate", "inadequate", "not_tolerated", "in_progress", "unknown_drug"]
    reasons: list[str]
    daily_mg: float | None
    days: int
    target: TargetOut | None
    payer_id: str | None
    payer_reasons: list[str]
    meets_payer_rule: bool | None
    as_of: date


class TrialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    patient_id: int
    drug_key: str | None
    rxnorm_code: str | None
    drug_name: str
    dose_mg: float | None
    times_per_day: int | None
    daily_mg: float | None
    route: str
    start_date: date
    stop_date: date | None
    reason_stopped: str | None
    response: str | None
    relief_percent: int | None
    recorded_by_id: int | None
    recorded_at: UtcDateTime
    version: int
    assessment: AssessmentOut | None = None


class MeasureIn(_Input):
    """One measurable part of success: "night pain" below 4 "/10"."""

    measure: str = Field(min_length=1, max_length=120)
    comparison: Literal["below", "above", "at_most", "at_least"]
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(default="", max_length=30)


class TargetIn(_Input):
    daily_mg: float = Field(allow_inf_nan=False)  # the daily total to reach
    reach_by: PlausibleDate | None = None  # optional: refused when the pack's steps cannot get there by then
    interval_days: DbInt | None = None  # days between steps, within the pack's range (its lower end by default)
    success: str = Field(min_length=1, max_length=1000)  # what success means, in words
    measures: list[MeasureIn] = Field(default_factory=list, max_length=10)
    # Needed when daily_mg is above the top of the pack's range (medications/trials/target_bounds.py).
    above_max_reason: str | None = Field(default=None, max_length=2000)


class TrialPlanIn(_Input):
    drug_key: str | None = Field(default=None, max_length=60)
    rxnorm_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    drug_name: str | None = Field(default=None, max_length=200)
    start_date: PlausibleDate | None = None  # default: the clinic's today
    target: TargetIn
    override_reason: str | None = Field(default=None, max_length=2000)  # needed when another trial is running


class PlanItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    number: int
    due_on: date
    text: str
    daily_mg: float | None
    check_id: str | None
    source: str | None
    done_at: UtcDateTime | None


class TrialPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    trial_id: int
    episode_id: int
    drug_key: str
    target_daily_mg: float
    target_dose_words: str
    target_reached_on: date
    evaluation_on: date
    interval_days: int | None
    success_text: str
    success_measures: list[dict]
    override_reason: str | None
    above_max_reason: str | None
    overridden_trial_ids: list[int]
    items: list[PlanItemOut] = []
