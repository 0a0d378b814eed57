"""Input and output shapes for planned trials and opioid tapers. Types and lengths only here; the clinical
checks (target reachable, rate allowed, tablets exist, one trial at a time) are in the services so each
names its field and rule."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from painpath.core.validation import InputModel, PlausibleDate, UtcDateTime, Version


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class TaperRxIn(_Input):
    """A prescription the taper starts from (the MME engine's RxInput), with its tablet product if not obvious."""

    drug: str | None = Field(default=None, max_length=200)
    rxnorm_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    # Positive before the taper planner divides by them (an interval of 0 hours was a server error).
    strength: float = Field(gt=0, allow_inf_nan=False)
    strength_unit: Literal["mg"] = "mg"
    dose_units: float = Field(default=1, gt=0, allow_inf_nan=False)
    times_per_day: float | None = Field(default=None, gt=0, le=24, allow_inf_nan=False)
    interval_hours: float | None = Field(default=None, ge=1, le=168, allow_inf_nan=False)
    prn_max_per_day: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    form: Literal["oral"] = "oral"
    product: str | None = Field(default=None, max_length=60)  # tablet product id (oxycodone_ir); default: found by strength


class TaperIn(_Input):
    prescriptions: list[TaperRxIn] = Field(min_length=1, max_length=6)
    target_mme: float = Field(allow_inf_nan=False)
    start_date: PlausibleDate | None = None  # default: the clinic's today
    rate: Literal["monthly", "short_term_weekly"] = "monthly"
    percent_per_month: float = Field(default=10, allow_inf_nan=False)
    faster_reason: str | None = Field(default=None, max_length=2000)
    factor_set: str | None = Field(default=None, max_length=40)


class PauseIn(_Input):
    paused_on: PlausibleDate | None = None  # default: today
    reason: str = Field(min_length=1, max_length=2000)
    version: Version


class ResumeIn(_Input):
    resumed_on: PlausibleDate | None = None  # default: today
    version: Version


class TaperStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    number: int
    due_on: date
    regimen_words: str | None
    lines: list[dict]
    daily_mme: float | None
    done_at: UtcDateTime | None


class TaperOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    episode_id: int
    start_date: date
    original_mme: float
    target_mme: float
    rate: str
    percent_per_step: float
    rate_words: str
    rate_source: str
    faster_reason: str | None
    factor_set: str
    status: str
    paused_on: date | None
    paused_days: int
    version: int
    naloxone_prompt: str = ""
    steps: list[TaperStepOut] = []
