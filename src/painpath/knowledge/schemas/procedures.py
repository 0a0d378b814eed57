"""The procedure catalogue (kind `procedures`): what the clinic asks payers to authorize.

Payer policies (kind `authorization_policy`) and performed-procedure facts name procedures by these ids,
so a typo anywhere fails at load instead of silently matching nothing.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from painpath.knowledge.schemas.common import Evidence, NonEmptyStr, Pack, Slug, Strict

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


class Procedure(Strict):
    id: Slug
    name: NonEmptyStr  # the words a coordinator reads to a patient
    category: ProcedureCategory
    region: ProcedureRegion
    codes: Annotated[list[ProcedureCode], Field(min_length=1)]
    unit: UnitKind
    # A diagnostic procedure (a medial branch block) counts toward another's prerequisites (ablation).
    diagnostic: bool = False


class ProcedureCatalogue(Pack):
    collection: ClassVar[str] = "procedures"
    procedures: list[Procedure]
