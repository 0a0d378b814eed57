"""Input shapes for care plans. Pathway and step ids are checked against the packs in the service."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from painpath.authorizations.schemas import Side
from painpath.core.validation import InputModel, Version


class _Input(InputModel):
    """Input rules every schema here shares: see core/validation.py."""


class GoalIn(_Input):
    text: str = Field(min_length=1, max_length=300)
    measure: str | None = Field(default=None, max_length=40, description="A functional measure or instrument id the goal is read on")
    target: float | None = None


class ProcedureDetailIn(_Input):
    """How to request the procedure the plan leads to (defaults: the procedure's first code, the episode's side)."""

    cpt_codes: list[str] = Field(default_factory=list, max_length=8)
    side: Side | None = None
    levels: list[str] = Field(default_factory=list, max_length=6)
    place_of_service: str = Field(default="11", pattern=r"^[0-9]{2}$")


class PlanStartIn(_Input):
    pathway_id: str = Field(min_length=1, max_length=60)
    goals: list[GoalIn] = Field(default_factory=list, max_length=12)
    first_step_id: str | None = Field(default=None, max_length=60, description="Start mid-pathway (care already done elsewhere)")
    procedure: ProcedureDetailIn | None = None


class ConfirmIn(_Input):
    version: Version = Field(description="The step version you loaded; a stale version is refused with 409")
    outcome: Literal["succeeded", "failed"] | None = Field(default=None, description="Default: the proposal's")
    note: str | None = Field(default=None, max_length=4000)
    procedure: ProcedureDetailIn | None = None


class PivotIn(_Input):
    version: Version = Field(description="The plan version you loaded")
    pathway_id: str = Field(min_length=1, max_length=60)
    reason: str = Field(min_length=1, max_length=4000)
    goals: list[GoalIn] = Field(default_factory=list, max_length=12)
    first_step_id: str | None = Field(default=None, max_length=60)
    procedure: ProcedureDetailIn | None = None


class DecisionIn(_Input):
    """A decision shared with the patient at a pathway step (the step's options in the pathway pack)."""

    pathway_id: str = Field(min_length=1, max_length=60)
    step_id: str = Field(min_length=1, max_length=60)
    # At least one, checked by the rules with words a clinician acts on ("tick at least one option").
    options_discussed: list[str] = Field(max_length=12, description="Option ids of the step's decision (at least one)")
    risks_discussed: dict[str, list[str]] = Field(default_factory=dict, description="Risk ids gone over, by option id")
    patient_questions: str | None = Field(default=None, max_length=4000)
    choice: str | None = Field(default=None, max_length=60, description="The option the patient chose; empty: not decided yet")
    discussed_on: date | None = Field(default=None, description="Default: today")
    version: Version | None = Field(default=None, description="The decision's version you loaded, when it is already recorded")
