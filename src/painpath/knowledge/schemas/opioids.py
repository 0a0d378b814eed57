"""Opioid safety knowledge: MME conversion factor sets (kind `opioid_factors`) and the safety thresholds
(kind `opioid_thresholds`), both from research/clinical.md section 1.

Three CDC factor sets exist and must never be mixed silently (clinical.md 1.1), so each is a named set
and every factor carries its own source and evidence tag. A set may name a `fallback` set for opioids
it does not cover (the 2022 clinical table falls back to the 2018 analytic file for levorphanol,
buccal fentanyl and the like); a factor found that way says so (`analytic_only`), and the MME engine
(painpath.medications.opioids.mme) reports which set each number came from.

Two rules the schema enforces because a mistake here is silent at the bedside:
- a factor is a positive number: a factor of 0 would count an opioid as nothing, which is exactly what
  "unknown" must never become;
- an opioid is either counted (factors) or `excluded` with the reason (buprenorphine), never both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictBool, StringConstraints, model_validator

from painpath.knowledge.errors import PackError
from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

__all__ = [
    "SCOPE_UNIT", "Exclusion", "FactorLookup", "FactorSet", "MethadoneTier", "OpioidEntry", "OpioidFactor",
    "NaloxoneRiskDiagnoses", "OpioidFactorPack", "OpioidKnowledge", "OpioidThresholdPack", "OpioidThresholds", "Scope", "SourcedDays", "UdtBand", "build_opioid_knowledge",
]

# How the dose of a form is measured, and so what the factor multiplies (clinical.md 1.1 header):
# mg/day for oral (and every mg-dosed form), mcg/hr of patch strength for transdermal patches (never
# multiplied by days of use), mcg/day for buccal/sublingual tablets and lozenges, films and oral sprays,
# and nasal sprays.
Scope = Literal["oral", "transdermal_patch", "buccal", "buccal_film", "nasal"]
SCOPE_UNIT: dict[str, str] = {
    "oral": "mg",
    "transdermal_patch": "mcg/hr",
    "buccal": "mcg",
    "buccal_film": "mcg",
    "nasal": "mcg",
}
SetUse = Literal["clinical", "analytic", "legacy"]
RxCui = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]
# allow_inf_nan=False: an infinite factor would turn any dose into an infinite MME.
Factor = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class MethadoneTier(Strict):
    """One tier of a dose-tiered factor: applies to daily doses above the previous tier's `max_daily_mg`
    up to and including this one's (`(20, 40]`), so a dose of 20.5 mg cannot fall between tiers (the
    gap clinical.md 1.1 found in S1). The last tier has no maximum."""

    max_daily_mg: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    factor: Factor


class OpioidFactor(Sourced):
    """The factor of one opioid in one dose-form scope: `factor`, or dose `tiers` (methadone 2016)."""

    scope: Scope
    unit: NonEmptyStr  # must be the scope's unit, written out so the pack reads on its own
    factor: Factor | None = None
    tiers: list[MethadoneTier] | None = None
    # True for a factor from CDC's 2018 analytic file: CDC says it "does not constitute clinical guidance".
    analytic_only: StrictBool = False
    note: NonEmptyStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _zero_is_not_a_factor(cls, data: object) -> object:
        # Checked before the type so the message says why, not just "greater than 0".
        if isinstance(data, dict) and isinstance(data.get("factor"), int | float) and data["factor"] == 0:
            raise ValueError(
                "a factor of 0 would count this opioid as nothing; leave the scope out (the engine then "
                "reports it as unknown) or mark the opioid excluded with the reason"
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> OpioidFactor:
        expected = SCOPE_UNIT[self.scope]
        if self.unit != expected:
            raise ValueError(f"the unit of scope {self.scope!r} is {expected!r}, not {self.unit!r}")
        if (self.factor is None) == (self.tiers is None):
            raise ValueError("give either factor or tiers (dose-tiered factors), exactly one")
        if self.tiers is not None:
            _check_tiers(self.tiers)
            if self.scope != "oral":
                raise ValueError("dose tiers are in mg/day, so only the oral scope may have them")
        if self.analytic_only and self.note is None:
            raise ValueError("an analytic-only factor needs its note (CDC: 'does not constitute clinical guidance')")
        return self

    def factor_for(self, daily_dose: float) -> float:
        """The factor for this daily dose: the single factor, or the tier the dose falls in."""
        if self.factor is not None:
            return self.factor
        assert self.tiers is not None
        for tier in self.tiers:
            if tier.max_daily_mg is None or daily_dose <= tier.max_daily_mg:
                return tier.factor
        raise AssertionError("the last tier is open-ended (checked at load)")


def _check_tiers(tiers: list[MethadoneTier]) -> None:
    if not tiers:
        raise ValueError("tiers must not be empty")
    if tiers[-1].max_daily_mg is not None:
        raise ValueError("the last tier must have no max_daily_mg, so every dose falls in a tier")
    bounds = [t.max_daily_mg for t in tiers[:-1]]
    if any(b is None for b in bounds):
        raise ValueError("only the last tier may be open-ended")
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False)):  # type: ignore[operator]
        raise ValueError(f"tier maxima must increase (got {bounds})")


class Exclusion(Sourced):
    reason: NonEmptyStr  # shown next to the line: why it adds nothing to the total


class OpioidEntry(Strict):
    id: Slug
    name: NonEmptyStr
    rxnorm: RxCui  # RxNorm ingredient RxCUI
    synonyms: list[NonEmptyStr] = Field(default_factory=list)
    factors: list[OpioidFactor] = Field(default_factory=list)
    excluded: Exclusion | None = None

    @model_validator(mode="after")
    def _counted_or_excluded(self) -> OpioidEntry:
        if self.excluded is not None and self.factors:
            raise ValueError("an excluded opioid has no factors (it is never counted, not even as 0)")
        if self.excluded is None and not self.factors:
            raise ValueError("give factors, or mark the opioid excluded with the reason")
        scopes = [f.scope for f in self.factors]
        if len(set(scopes)) != len(scopes):
            raise ValueError(f"each scope may have one factor (got {scopes})")
        return self

    def names(self) -> list[str]:
        """Every name the opioid answers to, lower-case: its id, name and synonyms."""
        return [n.lower() for n in (self.id.replace("_", " "), self.name, *self.synonyms)]

    def factor(self, scope: str) -> OpioidFactor | None:
        return next((f for f in self.factors if f.scope == scope), None)


class FactorSet(Sourced):
    """A named, versioned set of conversion factors (`cdc_2022_clinical`)."""

    id: Slug
    title: NonEmptyStr
    use: SetUse
    point_of_care_default: StrictBool = False
    fallback: Slug | None = None  # the set to read for an opioid or form this one does not cover
    note: NonEmptyStr | None = None
    opioids: list[OpioidEntry]

    @model_validator(mode="after")
    def _analytic_factors_say_so(self) -> FactorSet:
        if self.use == "analytic":
            for opioid in self.opioids:
                for factor in opioid.factors:
                    if not factor.analytic_only:
                        raise ValueError(
                            f"{opioid.id} {factor.scope}: every factor of an analytic set must be analytic_only: true"
                        )
        if self.point_of_care_default and self.use != "clinical":
            raise ValueError("only a clinical set may be the point-of-care default")
        if self.fallback == self.id:
            raise ValueError("a set cannot fall back to itself")
        return self


class OpioidFactorPack(Pack):
    collection: ClassVar[str] = "factor_sets"
    factor_sets: list[FactorSet]

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for s, factor_set in enumerate(self.factor_sets):
            seen: dict[str, tuple[str, str]] = {}  # id, RxCUI or name -> (where, opioid id)
            for o, opioid in enumerate(factor_set.opioids):
                where = f"factor_sets[{s}].opioids[{o}]"
                keys = [("id", opioid.id), ("rxnorm", opioid.rxnorm)] + [("name", n) for n in dict.fromkeys(opioid.names())]
                for field, key in keys:
                    if key in seen and seen[key][1] != opioid.id:
                        other_where, other_id = seen[key]
                        problems.append((f"{where}.{field}", f"{key!r} is already used by {other_id} at {other_where}"))
                    seen.setdefault(key, (where, opioid.id))
        return problems


# --- Thresholds (kind `opioid_thresholds`) ------------------------------------------------------------


class SourcedCount(Sourced):
    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class MmeThreshold(Sourced):
    value: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    comparison: Literal[">="]  # CDC wording is "≥50 MME/day"


class WeeksRange(Sourced):
    min_weeks: Annotated[int, Field(gt=0, strict=True)]
    max_weeks: Annotated[int, Field(gt=0, strict=True)]

    @model_validator(mode="after")
    def _ordered(self) -> WeeksRange:
        if self.min_weeks > self.max_weeks:
            raise ValueError(f"min_weeks ({self.min_weeks}) is greater than max_weeks ({self.max_weeks})")
        return self


class Pdmp(Sourced):
    before_each_prescription: StrictBool
    max_interval_months: Annotated[int, Field(gt=0, strict=True)]


class UdtBand(Strict):
    ort_band: NonEmptyStr  # an ORT band label from packs/instruments/ort.yaml ("low risk")
    every_months: Annotated[int, Field(gt=0, strict=True)]


class UdtSchedule(Sourced):
    before_starting: StrictBool
    by_ort_band: list[UdtBand]
    note: NonEmptyStr

    @model_validator(mode="after")
    def _bands_once(self) -> UdtSchedule:
        bands = [b.ort_band for b in self.by_ort_band]
        if len(set(bands)) != len(bands):
            raise ValueError(f"each ORT band may appear once (got {bands})")
        return self


class SourcedDays(Sourced):
    value: Annotated[int, Field(gt=0, strict=True)]


# An ICD-10-CM code or the start of one: a category (F11) or a category with part of its subcode (T40.2).
IcdPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")]


class NaloxoneRiskDiagnoses(Sourced):
    """ICD-10-CM code prefixes of the conditions for which CDC 2022 Rec 8 says to offer naloxone."""

    sleep_apnea: Annotated[list[IcdPrefix], Field(min_length=1)]
    past_overdose: Annotated[list[IcdPrefix], Field(min_length=1)]
    substance_use_disorder: Annotated[list[IcdPrefix], Field(min_length=1)]


class OpioidThresholds(Strict):
    naloxone_offer_at_mme: MmeThreshold
    pause_and_reassess_at_mme: MmeThreshold
    follow_up_after_start_or_increase: WeeksRange
    methadone_follow_up_after_start_or_increase_days: SourcedCount
    reassess_at_least_every_months: SourcedCount
    taper_follow_up_at_least_every_months: SourcedCount
    pdmp: Pdmp
    urine_drug_testing: UdtSchedule
    agreement_renewal_months: SourcedCount
    long_term_therapy_days: SourcedDays
    pdmp_check_before_prescription_days: SourcedDays
    therapy_course_max_gap_days: SourcedDays
    recurring_duty_notice_days: SourcedDays
    naloxone_risk_diagnoses: NaloxoneRiskDiagnoses


class OpioidThresholdPack(Pack):
    """A `single` kind: two sets of opioid thresholds would leave nobody sure which one the clinic follows."""

    single: ClassVar[bool] = True
    thresholds: OpioidThresholds


# --- What the loader hands to the engine --------------------------------------------------------------


@dataclass(frozen=True)
class FactorLookup:
    """A factor set as the MME engine reads it: the set itself, then its fallbacks in order, and the
    opioid entries of every loaded set (`vocabulary`), so a name is found even when only another set
    lists it, and "a known opioid without a factor here" differs from "not an opioid we know"."""

    chain: tuple[FactorSet, ...]
    vocabulary: tuple[OpioidEntry, ...]

    @property
    def name(self) -> str:
        return self.chain[0].id


@dataclass(frozen=True)
class OpioidKnowledge:
    factor_sets: dict[str, FactorSet]
    thresholds: OpioidThresholds

    @property
    def default_set_name(self) -> str:
        return next(s.id for s in self.factor_sets.values() if s.point_of_care_default)

    def factor_set(self, name: str | None = None) -> FactorLookup:
        """The named set (the point-of-care default when None) with its fallback chain."""
        name = name or self.default_set_name
        if name not in self.factor_sets:
            known = ", ".join(sorted(self.factor_sets)) or "(none)"
            raise KeyError(f"unknown factor set {name!r}; known factor sets: {known}")
        chain = [self.factor_sets[name]]
        while chain[-1].fallback is not None:
            chain.append(self.factor_sets[chain[-1].fallback])  # existence and cycles checked at load
        vocabulary = [opioid for factor_set in [*chain, *self.factor_sets.values()] for opioid in factor_set.opioids]
        return FactorLookup(chain=tuple(chain), vocabulary=tuple(vocabulary))

def build_opioid_knowledge(
    factor_sets: dict[str, tuple[FactorSet, Path, str]],
    thresholds: tuple[OpioidThresholdPack, Path] | None,
    ort_band_labels: set[str] | None,
) -> OpioidKnowledge | None:
    """Check what only the whole set of opioid packs can tell, then hand the engine one object.

    `factor_sets` maps set id -> (set, file, path of the set in that file). A fallback may name a set
    of another file (a clinic pack), so fallbacks are checked here, as is the one point-of-care default
    and the ORT bands the drug-test schedule names. None when no opioid pack is loaded at all.
    """
    if not factor_sets and thresholds is None:
        return None
    for set_id, (factor_set, file, path) in factor_sets.items():
        _check_fallback_chain(set_id, factor_sets, file, path)
    _check_one_default(factor_sets, thresholds)
    if thresholds is None:
        raise PackError(Path("."), "", "no opioid_thresholds pack found; exactly one is required with the factor sets")
    pack, file = thresholds
    if ort_band_labels is not None:
        for index, band in enumerate(pack.thresholds.urine_drug_testing.by_ort_band):
            if band.ort_band not in ort_band_labels:
                known = ", ".join(sorted(ort_band_labels))
                raise PackError(
                    file, f"thresholds.urine_drug_testing.by_ort_band[{index}].ort_band",
                    f"unknown ORT band {band.ort_band!r}; the ORT pack's bands are: {known}",
                )
    return OpioidKnowledge(factor_sets={k: v[0] for k, v in factor_sets.items()}, thresholds=pack.thresholds)


def _check_one_default(
    factor_sets: dict[str, tuple[FactorSet, Path, str]], thresholds: tuple[OpioidThresholdPack, Path] | None
) -> None:
    defaults = [(s, f, p) for s, f, p in factor_sets.values() if s.point_of_care_default]
    if len(defaults) == 1:
        return
    if len(defaults) > 1:
        named = ", ".join(s.id for s, _f, _p in defaults)
        _set, file, path = defaults[1]
        raise PackError(file, f"{path}.point_of_care_default", f"only one factor set may be the point-of-care default (got {named})")
    if factor_sets:
        _set, file, path = next(iter(factor_sets.values()))
        raise PackError(file, path, "no factor set is the point-of-care default; mark exactly one point_of_care_default: true")
    assert thresholds is not None
    raise PackError(thresholds[1], "", "an opioid_thresholds pack without any opioid_factors pack (no factor sets loaded)")


def _check_fallback_chain(set_id: str, factor_sets: dict[str, tuple[FactorSet, Path, str]], file: Path, path: str) -> None:
    seen = [set_id]
    current = factor_sets[set_id][0]
    while current.fallback is not None:
        if current.fallback not in factor_sets:
            known = ", ".join(sorted(factor_sets))
            raise PackError(file, f"{path}.fallback", f"unknown factor set {current.fallback!r}; known factor sets: {known}")
        if current.fallback in seen:
            raise PackError(file, f"{path}.fallback", f"fallback loop: {' -> '.join([*seen, current.fallback])}")
        seen.append(current.fallback)
        current = factor_sets[current.fallback][0]
