"""The cheaper alternatives a cost estimate shows next to the planned procedure (issue 19): physical therapy at a
community (private-practice) clinic instead of a hospital outpatient department (kind `therapy_prices`, one
pack), and a drug's generic version instead of its brand (kind `drug_prices`, merged by drug id, so a clinic
can add its own).

`therapy_prices`: per CPT code, the public allowed amount at a community clinic (Medicare Physician Fee Schedule
non-facility rate) and at a hospital outpatient department (Medicare pays a hospital's outpatient therapy from
the same fee schedule), plus how much more private plans pay hospital departments where a study measured it;
the typical treatment visit (codes and units) and the course length used when neither the therapy order nor
the PT protocol gives one.

`drug_prices`: per drug, the generic's and the brand's price per unit (CMS NADAC, with its year and week when
known), the units a month at a usual dose, and the names staff may type (brand and generic), so a trial of
"Lyrica" or "pregabalin" finds the entry. Every number carries its source; unconfirmed ones say verified: false.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict
from painpath.knowledge.schemas.prices import SourcedAmount

__all__ = ["DrugPrice", "DrugPricePack", "SourcedPercent", "SourcedUnitPrice", "SourcedVisits", "TherapyCodePrice",
           "TherapyPricePack", "TherapyVisit", "VisitCode"]

CPT = Annotated[str, Field(pattern=r"^[0-9A-Z]{5}$")]


def _no_float(value: object) -> object:
    # A YAML float is binary; money and rates are written as strings so they are exact.
    if isinstance(value, float):
        raise ValueError("write the number as a quoted string, e.g. \"0.0712\", so it is exact")
    return value


Exact = BeforeValidator(_no_float)


class SourcedPercent(Sourced):
    """A percent (41 means 41% more), with where it was measured."""

    value: Annotated[Decimal, Exact, Field(gt=0, le=1000, max_digits=6, decimal_places=2)]
    year: Annotated[int, Field(ge=2000, le=2100)]  # the year of the data measured


class SourcedVisits(Sourced):
    value: Annotated[int, Field(ge=1, le=100)]


class TherapyCodePrice(Strict):
    id: Slug
    cpt: CPT
    plain_name: NonEmptyStr  # "Therapeutic exercise, each 15 minutes"
    community: SourcedAmount  # Physician Fee Schedule non-facility rate: a private-practice clinic's one bill
    hospital_outpatient: SourcedAmount | None = None  # what Medicare allows a hospital department for the same code
    # How much more private plans pay a hospital department than a community clinic for this code; None: not measured.
    hospital_private_plan_markup: SourcedPercent | None = None


class VisitCode(Strict):
    cpt: CPT
    units: Annotated[int, Field(ge=1, le=8)]


class TherapyVisit(Sourced):
    """What a typical treatment visit bills (codes and units); the evaluation visit is not a typical visit."""

    codes: Annotated[list[VisitCode], Field(min_length=1)]


class TherapyPricePack(Pack):
    collection: ClassVar[str] = "therapy_prices"
    single: ClassVar[bool] = True
    therapy_prices: Annotated[list[TherapyCodePrice], Field(min_length=1)]
    typical_visit: TherapyVisit
    default_course_visits: SourcedVisits  # when neither the therapy order nor the protocol gives the course length

    @model_validator(mode="after")
    def _visit_codes_are_priced(self) -> TherapyPricePack:
        priced = {p.cpt for p in self.therapy_prices}
        seen: set[str] = set()
        for entry in self.therapy_prices:
            if entry.cpt in seen:
                raise ValueError(f"{entry.id}: CPT {entry.cpt} is priced twice")
            seen.add(entry.cpt)
        for code in self.typical_visit.codes:
            if code.cpt not in priced:
                raise ValueError(f"typical_visit: CPT {code.cpt} has no entry in therapy_prices")
        return self

    def price(self, cpt: str) -> TherapyCodePrice | None:
        return next((p for p in self.therapy_prices if p.cpt == cpt), None)


class SourcedUnitPrice(Sourced):
    """A price per unit (capsule, tablet, patch) in US dollars, with its year and, for NADAC, its week."""

    amount: Annotated[Decimal, Exact, Field(gt=0, max_digits=10, decimal_places=5)]
    year: Annotated[int, Field(ge=2000, le=2100)]
    week: NonEmptyStr | None = None  # the NADAC effective week, e.g. "2025-11-19"


class DrugPrice(Strict):
    id: Slug
    generic_name: NonEmptyStr  # "pregabalin"
    brand_name: NonEmptyStr  # "Lyrica"
    # Other names staff may type for the same drug (pack drug ids, spellings); matched case-insensitively.
    also_named: list[NonEmptyStr] = Field(default_factory=list)
    strength: NonEmptyStr  # "150 mg capsule"
    units_per_day: Annotated[Decimal, Exact, Field(gt=0, le=24)]
    usual_dose: NonEmptyStr  # "150 mg twice a day", what the month's supply assumes
    generic_unit_price: SourcedUnitPrice
    brand_unit_price: SourcedUnitPrice

    @model_validator(mode="after")
    def _generic_is_cheaper(self) -> DrugPrice:
        # The pack exists to show a cheaper generic; a generic priced above its brand is a typing error.
        if self.generic_unit_price.amount >= self.brand_unit_price.amount:
            raise ValueError(f"{self.id}: the generic's unit price is not below the brand's; check the two prices")
        return self

    def names(self) -> set[str]:
        return {n.lower() for n in (self.generic_name, self.brand_name, self.id, *self.also_named)}


class DrugPricePack(Pack):
    collection: ClassVar[str] = "drug_prices"
    drug_prices: Annotated[list[DrugPrice], Field(min_length=1)]
