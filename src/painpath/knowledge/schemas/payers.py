"""The payer directory (kind `payers`): plan types and prior-authorization decision clocks."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StrictBool, model_validator

from painpath.knowledge.schemas.common import DurationUnit, Evidence, NonEmptyStr, Pack, PlanType, Slug, Strict


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


class PayerDirectory(Pack):
    collection: ClassVar[str] = "payers"
    payers: list[Payer]
