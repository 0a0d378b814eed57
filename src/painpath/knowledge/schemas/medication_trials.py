"""Adequate medication trials (kind `medication_trials`): target daily dose and duration per drug, payer step-therapy rules."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from painpath.knowledge.schemas.common import NonEmptyStr, Pack, Slug, Sourced, Strict

# --- Medication trials (kind `medication_trials`) --------------------------------------------------
# What counts as an adequate trial of each drug (research/clinical.md section 4 and the clinic's own
# defaults), and the payers whose step-therapy rules are stricter. Clinical evidence tags as above.
Route = Literal["oral", "topical"]
PositiveNumber = Annotated[float, Field(gt=0, strict=True, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(gt=0, strict=True)]
RxCui = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]


class SourcedNumber(Sourced):
    """A number the rules act on, with where it came from: `{value: 900, source, evidence, verified}`."""

    value: PositiveNumber


class SourcedDays(Sourced):
    value: PositiveInt  # whole days: a trial is counted in calendar days


class SourcedCount(Sourced):
    value: PositiveInt


class TargetLimits(Strict):
    """How high a planned trial's target may go, checked before any titration step is built.

    Above `ceiling_times_range_top` times the largest daily figure the pack gives for a drug (capped at
    `absolute_ceiling_mg`, which alone applies to a drug with no mg figure) a target is refused as a typing
    error; a plan has at most `max_titration_steps` steps.
    """

    ceiling_times_range_top: SourcedNumber
    absolute_ceiling_mg: SourcedNumber
    max_titration_steps: SourcedCount


class RxNormCode(Sourced):
    code: RxCui  # RxNorm ingredient RxCUI, a string of digits ("25480")


class ReferenceDose(Sourced):
    """The literature's target daily dose, shown to staff; the rules read `adequate_trial` instead.

    A range (`low_mg`..`high_mg`), an open "titrated to" (`text` only, e.g. label dosing), or both.
    """

    text: NonEmptyStr  # "1200-3600 mg/day in 3 divided doses"
    low_mg: PositiveNumber | None = None
    high_mg: PositiveNumber | None = None

    @model_validator(mode="after")
    def _range_in_order(self) -> ReferenceDose:
        if self.low_mg is not None and self.high_mg is not None and self.low_mg > self.high_mg:
            raise ValueError(f"low_mg ({self.low_mg:g}) is greater than high_mg ({self.high_mg:g})")
        return self


class AdequateTrial(Strict):
    """What the clinic counts as an adequate trial: at least `min_daily_mg` for at least `min_days`.

    A drug not dosed in mg/day (a patch, a cream) has no `min_daily_mg` and says in `dose_rule` what
    dose counts; the rules then check the duration only and say so.
    """

    min_daily_mg: SourcedNumber | None = None
    dose_rule: NonEmptyStr | None = None
    min_days: SourcedDays

    @model_validator(mode="after")
    def _dose_is_defined(self) -> AdequateTrial:
        if self.min_daily_mg is None and self.dose_rule is None:
            raise ValueError("give min_daily_mg, or dose_rule saying in words what dose counts (patches, creams)")
        return self


class Titration(Sourced):
    """How a new trial of the drug starts and goes up (medications/trials/titration.py turns it into dated steps).

    The first step is `start_dose_mg` once a day on the start date; each later step adds `step_daily_mg`
    to the daily total, `interval_days_min` to `interval_days_max` days after the previous one, until the
    trial's target. Doses are split into at most `max_times_per_day` equal doses.
    """

    start_dose_mg: PositiveNumber  # the first day's total (mg/day)
    step_daily_mg: PositiveNumber
    interval_days_min: PositiveInt
    interval_days_max: PositiveInt
    max_times_per_day: PositiveInt = 3
    text: NonEmptyStr  # the schedule in words, as the source gives it

    @model_validator(mode="after")
    def _interval_in_order(self) -> Titration:
        if self.interval_days_min > self.interval_days_max:
            raise ValueError(f"interval_days_min ({self.interval_days_min}) is greater than interval_days_max ({self.interval_days_max})")
        return self


MonitoringWhen = Literal["start", "each_step", "evaluation"]


class MonitoringCheck(Sourced):
    """Something to check during a trial (sedation, blood pressure, kidney function): a check item when due."""

    id: Slug
    text: NonEmptyStr  # what to check, in words staff act on
    at: MonitoringWhen  # at the start, at each titration step, or at the evaluation


class TrialDrug(Strict):
    id: Slug  # what TrialFacts.drug names ("gabapentin")
    name: NonEmptyStr
    drug_class: Slug
    route: Route
    rxnorm: RxNormCode | None = None  # None: not known yet; the drug is then found by id only
    reference_dose: ReferenceDose
    adequate_trial: AdequateTrial
    notes: NonEmptyStr | None = None
    # Added for planned trials (issue 7): both optional, so a pack without them still loads.
    titration: Titration | None = None  # None: no titration in the packs; the trial starts at its target
    monitoring: tuple[MonitoringCheck, ...] = ()
    # A drug's own limits, or (set by the loader) its pack set's `target_limits`.
    limits: TargetLimits | None = None

    @model_validator(mode="after")
    def _monitoring_ids_unique(self) -> TrialDrug:
        ids = [check.id for check in self.monitoring]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"monitoring ids must be unique within a drug; repeated: {', '.join(duplicates)}")
        return self


class PayerTrialRule(Sourced):
    """A payer's stricter step-therapy rule for one drug, with the payer's own wording shown to staff."""

    min_daily_mg: PositiveNumber | None = None
    min_days: PositiveInt | None = None
    wording: NonEmptyStr  # the payer's policy text, quoted, not paraphrased

    @model_validator(mode="after")
    def _says_something(self) -> PayerTrialRule:
        if self.min_daily_mg is None and self.min_days is None:
            raise ValueError("a payer rule needs min_daily_mg, min_days or both")
        return self


class MedicationTrialPack(Pack):
    """Adequate-trial definitions per drug, and payer step-therapy overrides keyed by payer id, then drug id.

    Drugs merge across files by id like payers. The payer and drug ids in `payer_overrides` may name
    entries of other packs, so the loader checks them once every pack is read.
    """

    collection: ClassVar[str] = "drugs"
    drugs: list[TrialDrug]
    target_limits: TargetLimits | None = None  # one pack of the set gives them; a later pack's replace them
    payer_overrides: dict[Slug, dict[Slug, PayerTrialRule]] = Field(default_factory=dict)

    def reference_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, drug in enumerate(self.drugs):
            if drug.rxnorm is None:
                continue
            if drug.rxnorm.code in seen:
                other = seen[drug.rxnorm.code]
                message = f"RxNorm code {drug.rxnorm.code} is already drugs[{other}] ({self.drugs[other].id})"
                problems.append((f"drugs[{i}].rxnorm.code", message))
            else:
                seen[drug.rxnorm.code] = i
        return problems


class MedicationTrials(Strict):
    """Every loaded medication-trial pack merged: the rules in painpath.charting.trials read this."""

    drugs: dict[str, TrialDrug] = Field(default_factory=dict)
    payer_overrides: dict[str, dict[str, PayerTrialRule]] = Field(default_factory=dict)

    def drug(self, key: str) -> TrialDrug | None:
        """The drug named by pack id or RxNorm ingredient code; None when the packs do not define it."""
        key = key.strip()
        found = self.drugs.get(key.lower())
        if found is not None:
            return found
        return next((d for d in self.drugs.values() if d.rxnorm is not None and d.rxnorm.code == key), None)

    def payer_rule(self, payer_id: str, drug_id: str) -> PayerTrialRule | None:
        return self.payer_overrides.get(payer_id, {}).get(drug_id)
