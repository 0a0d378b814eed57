"""Pydantic models for knowledge packs.

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


class SourcedDuration(Strict):
    """A time limit with where it came from.

    `amount` is a whole number: business-day arithmetic has no meaning for fractions, and every
    published clock we encode (7 days, 72 hours, 2 business days) is whole.
    """

    amount: Annotated[int, Field(gt=0, strict=True)]
    unit: DurationUnit
    source: NonEmptyStr
    evidence: Evidence
    verified: StrictBool

    @model_validator(mode="after")
    def _unconfirmed_is_not_verified(self) -> SourcedDuration:
        # A K number is a placeholder by definition; calling it verified would hide it from review.
        if self.evidence == "K" and self.verified:
            raise ValueError("evidence K (unconfirmed background knowledge) must have verified: false")
        return self


class DecisionClock(Strict):
    standard: SourcedDuration
    expedited: SourcedDuration


class BusinessCalendar(Strict):
    # holidays.US() includes 11 Nov, but many private payers work that day; each payer says which.
    veterans_day_is_business_day: StrictBool
    reason: NonEmptyStr


class Payer(Strict):
    id: Slug
    name: NonEmptyStr
    plan_type: PlanType
    decision_clock: DecisionClock
    business_calendar: BusinessCalendar
    notes: NonEmptyStr | None = None


class Pack(Strict):
    """Base of every pack kind.

    `collection` names the list field whose items carry an `id`; the loader merges that list across
    files into one id-keyed mapping and refuses duplicate ids.
    """

    collection: ClassVar[str]
    pack: PackHeader


class PayerDirectory(Pack):
    collection: ClassVar[str] = "payers"
    payers: list[Payer]


# kind -> model. Later slices add their kinds here (pathways, instruments, opioids, ...).
PACK_KINDS: dict[str, type[Pack]] = {
    "payers": PayerDirectory,
}
