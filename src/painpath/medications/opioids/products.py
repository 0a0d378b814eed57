"""RxNorm product codes (SCD, SBD) read through the `rxnorm_products` pack: the ingredient a code is
counted as and its strength, so a product-coded order reaches the drug packs and the MME engine the way
an ingredient-coded one does. Pure: knowledge in, answers out."""

from __future__ import annotations

from dataclasses import dataclass

from painpath.knowledge.schemas import RxNormProduct


def product(knowledge, code: str | None) -> RxNormProduct | None:  # noqa: ANN001
    """The SCD or SBD a code names, or None (an ingredient code, a code no pack lists, no code)."""
    products = getattr(knowledge, "rxnorm_products", None) or {}
    return products.get(code.strip()) if code and code.strip() else None


def as_ingredient(knowledge, *, drug: str | None, rxnorm_code: str | None) -> tuple[str | None, str | None]:  # noqa: ANN001
    """(drug, code) with a product code replaced by its ingredient's code, and its ingredient as the drug
    when none was named: what the drug packs, which list ingredients, can look up."""
    found = product(knowledge, rxnorm_code)
    if found is None:
        return drug, rxnorm_code
    return (drug if drug and drug.strip() else found.ingredient), found.ingredient_rxcui


@dataclass(frozen=True)
class ProductDose:
    """What one dose of a product-coded order is, in the MME engine's terms."""

    strength: float
    strength_unit: str  # mg | mcg | mcg/hr
    dose_units: float
    form: str


# Units a dose may be written in that are the dose itself, not a count of tablets or patches.
MASS_UNITS = {"mg", "mcg", "ug", "µg"}


def dose_of(found: RxNormProduct | None, *, dose_value: float | None, dose_unit: str | None, form: str | None = None) -> ProductDose | None:
    """The dose as strength x units: "10 mg" is 10 mg of the ingredient; "1 patch" or "2 tablet" counts
    units of the product's strength. None when neither the order nor the product says the strength."""
    if dose_value is None or dose_value <= 0:
        return None
    unit = (dose_unit or "").strip().lower()
    chosen_form = found.form if found is not None else (form or "oral")
    if unit in MASS_UNITS:
        return ProductDose(dose_value, "mcg" if unit != "mg" else "mg", 1.0, chosen_form)
    if found is None or found.unit == "mg/mL":
        return None  # units of something whose strength we do not know (a capsule of what?)
    return ProductDose(found.strength, found.unit, dose_value, chosen_form)
