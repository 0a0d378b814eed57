"""Prices (kinds `prices` and `negotiated_rates`): the allowed amounts that make up a patient's bill for one
CPT code at each site of service: the office (the doctor's non-facility fee only), the ambulatory surgery
centre and the hospital outpatient department (the doctor's facility-rate fee plus the facility's own fee).

`prices` is the public pack (Medicare national payment rates, each number with its year and source); a
clinic's contracted rates with a payer are its own pack of kind `negotiated_rates` (in its pack directory),
whose numbers replace the public ones for that payer only, number by number. A number nobody published
is simply absent: the estimate then says which fee it lacks instead of guessing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = ["SITES", "NegotiatedRatePack", "PriceEntry", "PricePack", "SiteAmounts", "SourcedAmount"]

SITES = ("office", "asc", "hospital_outpatient")
Site = Literal["office", "asc", "hospital_outpatient"]


class SourcedAmount(Sourced):
    """One allowed amount in US dollars, with the year it applies to and where it comes from."""

    amount: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
    year: Annotated[int, Field(ge=2000, le=2100)]

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> object:
        # A YAML float (236.13) is binary; money is written as a string so the cents are exact.
        if isinstance(value, float):
            raise ValueError("write the amount as a quoted string, e.g. \"236.13\", so the cents are exact")
        return value


class SiteAmounts(Strict):
    """What is billed at one site: the doctor's (professional) fee and, outside the office, the facility fee."""

    professional: SourcedAmount | None = None
    facility: SourcedAmount | None = None


class PriceEntry(Strict):
    id: Slug
    cpt: Annotated[str, Field(pattern=r"^[0-9A-Z]{5}$")]
    plain_name: NonEmptyStr  # what the patient reads: "Steroid injection into the knee"
    payer: Slug | None = None  # negotiated rates name the payer (payer directory id); public prices do not
    office: SiteAmounts | None = None
    asc: SiteAmounts | None = None
    hospital_outpatient: SiteAmounts | None = None
    note: NonEmptyStr | None = None  # e.g. "hospitals and surgery centres bill G0260 instead"

    @model_validator(mode="after")
    def _office_has_no_facility_fee(self) -> PriceEntry:
        if self.office is not None and self.office.facility is not None:
            raise ValueError("the office has no separate facility fee: give the non-facility (office) fee as `professional`")
        if all(getattr(self, site) is None for site in SITES):
            raise ValueError("give at least one site (office, asc, hospital_outpatient)")
        return self

    def site(self, site: str) -> SiteAmounts | None:
        return getattr(self, site)


class PricePack(Pack):
    collection: ClassVar[str] = "prices"
    prices: Annotated[list[PriceEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _public_prices_name_no_payer(self) -> PricePack:
        for entry in self.prices:
            if entry.payer is not None:
                raise ValueError(f"{entry.id}: public prices name no payer; a payer's rates are a pack of kind negotiated_rates")
        return self


class NegotiatedRatePack(Pack):
    collection: ClassVar[str] = "negotiated_rates"
    negotiated_rates: Annotated[list[PriceEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _rates_name_their_payer(self) -> NegotiatedRatePack:
        for entry in self.negotiated_rates:
            if entry.payer is None:
                raise ValueError(f"{entry.id}: a negotiated rate names its payer (an id from the payer directory)")
        return self
