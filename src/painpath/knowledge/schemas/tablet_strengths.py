"""Tablet strengths (kind `tablet_strengths`): the strengths a product really comes in, so a taper step is
a dose a pharmacy can dispense (medications/tapers/rules.py rounds to these)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced

Release = Literal["immediate", "extended"]
StrengthMg = Annotated[float, Field(gt=0, strict=False, allow_inf_nan=False)]


class TabletProduct(Sourced):
    """One oral solid product: `drug` is the ingredient name the MME engine knows ("oxycodone")."""

    id: Slug  # "oxycodone_ir"
    drug: Slug
    name: NonEmptyStr  # "oxycodone immediate-release tablet"
    release: Release
    strengths_mg: tuple[StrengthMg, ...]  # per tablet, of the opioid ingredient only (combinations included)

    @model_validator(mode="after")
    def _strengths_sorted_and_distinct(self) -> TabletProduct:
        if not self.strengths_mg:
            raise ValueError("give at least one strength")
        if list(self.strengths_mg) != sorted(set(self.strengths_mg)):
            raise ValueError("strengths_mg must be distinct and in increasing order")
        return self


class TabletStrengthPack(Pack):
    collection: ClassVar[str] = "tablet_products"
    tablet_products: list[TabletProduct]


__all__ = ["Release", "TabletProduct", "TabletStrengthPack"]
