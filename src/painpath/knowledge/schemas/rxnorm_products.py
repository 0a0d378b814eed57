"""RxNorm products (kind `rxnorm_products`): clinical and branded drug codes (SCD, SBD) mapped to the
ingredient and strength they hold, so a MedicationRequest coded with a product (as most EHRs send it)
reaches the same drug and the same MME as one coded with the ingredient.

RxNorm names an SCD "ingredient strength dose form" ("12 HR oxycodone hydrochloride 10 MG Extended
Release Oral Tablet"); an SBD is an SCD with a brand ("... [Ultracet]"). The strength is the salt's as
the name states it (research/wave2.md 4.13), which is what the CDC MME factors multiply.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced

RxCui = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")]
TermType = Literal["SCD", "SBD"]
# The forms the MME engine reads (mme.FORMS) plus the ones it never counts.
ProductForm = Literal["oral", "transdermal_patch", "buccal", "buccal_film", "nasal", "injection", "topical", "other"]
ProductUnit = Literal["mg", "mcg", "mcg/hr", "mg/mL"]


class RxNormProduct(Sourced):
    """One SCD or SBD: its code and name as RxNorm gives them, and the ingredient it is counted as."""

    rxcui: RxCui
    tty: TermType
    name: NonEmptyStr  # the RxNorm name ("72 HR fentanyl 0.075 MG/HR Transdermal System")
    ingredient: Slug  # our drug id when a pack knows the drug ("oxycodone"), else the RxNorm ingredient name
    ingredient_rxcui: RxCui  # the IN concept ("7804")
    strength: Annotated[float, Field(gt=0, allow_inf_nan=False)]  # of `ingredient`, per unit (tablet, patch, mL)
    unit: ProductUnit
    form: ProductForm
    also_contains: tuple[Slug, ...] = ()  # the other ingredients of a combination ("acetaminophen")
    brand: NonEmptyStr | None = None  # SBD only

    @property
    def id(self) -> str:
        # The loader merges collections by `id` and refuses a code listed twice.
        return self.rxcui

    @model_validator(mode="after")
    def _brand_for_branded(self) -> RxNormProduct:
        if (self.tty == "SBD") != (self.brand is not None):
            raise ValueError("a branded drug (SBD) names its brand, and only a branded drug does")
        if self.form == "transdermal_patch" and self.unit != "mcg/hr":
            raise ValueError("a patch's strength is a rate: give it in mcg/hr (0.075 MG/HR is 75 mcg/hr)")
        if self.rxcui == self.ingredient_rxcui:
            raise ValueError("a product code is not its ingredient's code")
        return self


class RxNormProductPack(Pack):
    collection: ClassVar[str] = "rxnorm_products"
    rxnorm_products: list[RxNormProduct]


__all__ = ["ProductForm", "ProductUnit", "RxCui", "RxNormProduct", "RxNormProductPack", "TermType"]
