"""The procedure catalogue (kind `procedures`): what the clinic asks payers to authorize.

Payer policies (kind `authorization_policy`) and performed-procedure facts name procedures by these ids,
so a typo anywhere fails at load instead of silently matching nothing.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import Evidence, NonEmptyStr, Pack, Slug, Sourced, Strict

ProcedureCategory = Literal["injection", "diagnostic_block", "ablation", "implant", "fusion", "imaging", "therapy"]
# Where the procedure acts, as payers count "per region" (research/prior-auth.md, counting conventions).
ProcedureRegion = Literal["cervical", "thoracic", "lumbar", "sacral", "sacroiliac", "knee", "hip", "shoulder", "any"]
# What one authorized unit is: an injection session (all injections in one region on one date), a PT visit, a study.
UnitKind = Literal["session", "visit", "study", "implant", "series"]


class ProcedureCode(Strict):
    code: Annotated[str, Field(pattern=r"^([0-9]{5}|[A-Z][0-9]{4})$")]
    meaning: NonEmptyStr
    source: NonEmptyStr
    evidence: Evidence


class ReliefCheck(Sourced):
    """When to ask the patient how much the procedure helped: a window after the procedure date.

    The worklist owes one "relief check" per window, due at its end and met by a relief report
    measured inside it; `name` says the window in plain words ("24 to 72 hours after")."""

    name: NonEmptyStr
    opens_after: Annotated[int, Field(ge=0, strict=True)]
    due_after: Annotated[int, Field(ge=0, strict=True)]
    unit: Literal["hours", "days"]

    @model_validator(mode="after")
    def _window_in_order(self) -> ReliefCheck:
        if self.due_after < self.opens_after:
            raise ValueError(f"due_after ({self.due_after}) cannot come before opens_after ({self.opens_after})")
        return self

    def days(self) -> tuple[int, int]:
        """The window in whole days after the procedure date (relief is reported by the day)."""
        if self.unit == "days":
            return self.opens_after, self.due_after
        return self.opens_after // 24, -(-self.due_after // 24)


class Procedure(Strict):
    id: Slug
    name: NonEmptyStr  # the words a coordinator reads to a patient
    category: ProcedureCategory
    region: ProcedureRegion
    codes: Annotated[list[ProcedureCode], Field(min_length=1)]
    unit: UnitKind
    # A diagnostic procedure (a medial branch block) counts toward another's prerequisites (ablation).
    diagnostic: bool = False
    # When relief is asked after it was done (injections, blocks, ablations); none for imaging or therapy.
    relief_checks: list[ReliefCheck] = Field(default_factory=list)


class ProcedureCatalogue(Pack):
    collection: ClassVar[str] = "procedures"
    procedures: list[Procedure]
