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
