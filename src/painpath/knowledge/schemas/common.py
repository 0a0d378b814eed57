"""Shared building blocks of every knowledge pack: strict frozen models, the pack header, sourced values.

Every model forbids unknown keys and is frozen: a typo in a pack must fail at load, not silently
drop a rule, and loaded knowledge is shared by every request, so nobody may mutate it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator


NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]

# Research evidence tags (see research/prior-auth.md "How to read the tables"):
# V = read in a primary/official source, S = read in a secondary summary, K = unconfirmed background.
Evidence = Literal["V", "S", "K"]
DurationUnit = Literal["business_days", "calendar_days", "hours"]
PlanType = Literal["medicare", "medicare_advantage", "medicaid", "commercial", "workers_comp"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackHeader(Strict):
    """The `pack:` mapping every pack file starts with."""

    id: NonEmptyStr
    kind: NonEmptyStr  # checked against PACK_KINDS by the loader, so the error can list known kinds
    version: Annotated[int, Field(ge=1, strict=True)]
    effective_date: date
    last_verified: date
    # `draft`: a clinic's proposal (or a payer's announced text not yet adopted). The loader reads and checks it
    # but leaves it out of every decision; the payer policy changes page and `painpath packs diff` preview it.
    status: Literal["in_force", "draft"] = "in_force"


class Pack(Strict):
    """Base of every pack kind.

    `collection` names the list field whose items carry an `id`; the loader merges that list across
    files into one id-keyed mapping and refuses duplicate ids. A `single` kind is not merged: the
    loader keeps the one pack of that kind whole and refuses a second (see RedFlagPack).
    """

    collection: ClassVar[str]
    single: ClassVar[bool] = False
    pack: PackHeader

    def reference_problems(self) -> list[tuple[str, str]]:
        """(path, message) for each cross-reference inside the pack that does not resolve.

        Field validators cannot see sibling lists, and a model-level validator can only report at the
        top of the file; this hook lets the loader name the exact path (`flags[2].rules[0].when.question`).
        """
        return []


# Clinical research tags (research/clinical.md "Provenance tags"): R = read in the cited source,
# V = confirmed in a later fact-check pass, S = seen only in a secondary source, K = unconfirmed
# background knowledge. As for payers, a K item must say verified: false.
ClinicalEvidence = Literal["R", "V", "S", "K"]


def _refuse_verified_unconfirmed(evidence: str | None, verified: bool | None) -> None:
    # A K item is a placeholder by definition; calling it verified would hide it from review.
    if evidence == "K" and verified:
        raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")


class Sourced(Strict):
    """Where a clinical statement comes from, with its research evidence tag."""

    source: NonEmptyStr
    evidence: ClinicalEvidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> Sourced:
        _refuse_verified_unconfirmed(self.evidence, self.verified)
        return self
