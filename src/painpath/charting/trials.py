"""Was that a real medication trial? Pure rules over trial facts and the medication-trial pack.

    assess(TrialFacts(drug="gabapentin", start=..., stop=..., dose_mg=300, times_per_day=1),
           knowledge.medication_trials, as_of=today)

A trial record is one drug at one daily dose from `start` to `stop` (both days taken, so 1 to 28
February is 28 days); a dose change is a new record. The labels:

- adequate: reached the pack's daily dose and kept it for the pack's minimum days;
- inadequate: stopped (or long enough and still below the dose) without reaching them;
- not_tolerated: stopped for side effects before reaching them (it still counts for step therapy);
- in_progress: ongoing and not yet long enough;
- unknown_drug: the packs define no adequate trial for the drug; nothing is guessed.

A payer with a stricter step-therapy rule for the drug adds `payer_reasons`, starting with the payer's
own wording, whenever the trial does not meet that rule. No I/O and no clock: `as_of` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from painpath.knowledge.schemas import MedicationTrials, PayerTrialRule, TrialDrug

Label = Literal["adequate", "inadequate", "not_tolerated", "in_progress", "unknown_drug"]
ReasonStopped = Literal["ineffective", "side_effects", "cost", "other"]

_STOPPED_WORDS: dict[str, str] = {
    "ineffective": "it did not help",
    "side_effects": "side effects",
    "cost": "cost",
    "other": "another reason",
}


@dataclass(frozen=True)
class TrialFacts:
    """One drug at one dose. Give `dose_mg` and `times_per_day`, or `daily_mg`; patches and creams may give neither."""

    drug: str  # pack drug id ("gabapentin") or RxNorm ingredient code ("25480")
    start: date
    stop: date | None = None  # last day taken; None while ongoing
    dose_mg: float | None = None  # per administration
    times_per_day: int | None = None
    daily_mg: float | None = None
    reason_stopped: ReasonStopped | None = None
    response: str | None = None  # the patient's response in plain words, carried into the reasons

    def __post_init__(self) -> None:
        if (self.dose_mg is None) != (self.times_per_day is None):
            raise ValueError("give dose_mg and times_per_day together (or daily_mg instead)")
        if self.dose_mg is not None and self.daily_mg is not None:
            raise ValueError("give dose_mg and times_per_day, or daily_mg, not both")
        for name in ("dose_mg", "times_per_day", "daily_mg"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be greater than 0 (got {value})")
        if self.stop is not None and self.stop < self.start:
            raise ValueError(f"stop {self.stop} is before start {self.start}")
        if self.reason_stopped is not None and self.stop is None:
            raise ValueError("reason_stopped needs a stop date")
        if self.reason_stopped is not None and self.reason_stopped not in _STOPPED_WORDS:
            raise ValueError(f"unknown reason_stopped {self.reason_stopped!r}; known: {', '.join(_STOPPED_WORDS)}")

    @property
    def total_daily_mg(self) -> float | None:
        if self.daily_mg is not None:
            return self.daily_mg
        if self.dose_mg is not None and self.times_per_day is not None:
            return self.dose_mg * self.times_per_day
        return None


@dataclass(frozen=True)
class TrialTarget:
    """The adequate trial the facts were held against, with the sources of its numbers."""

    drug_id: str
    min_daily_mg: float | None  # None: not dosed in mg/day, see dose_rule
    min_days: int
    dose_rule: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TrialAssessment:
    label: Label
    reasons: tuple[str, ...]  # plain words, for staff and for the PA packet
    daily_mg: float | None
    days: int  # days at this dose so far (start to stop, or to as_of while ongoing), both counted
    target: TrialTarget | None  # None for an unknown drug
    payer_reasons: tuple[str, ...] = ()  # the payer's own wording first, then how the trial falls short
    meets_payer_rule: bool | None = None  # None: no payer given, or it has no rule for this drug


def assess(
    trial: TrialFacts, trials: MedicationTrials, *, payer_id: str | None = None, as_of: date
) -> TrialAssessment:
    """Label one trial against the pack's adequate trial (and the payer's stricter rule, if any)."""
    if as_of < trial.start:
        raise ValueError(f"as_of {as_of} is before the trial started ({trial.start})")
    if trial.stop is not None and trial.stop > as_of:
        raise ValueError(f"stop {trial.stop} is after as_of {as_of}; record the stop once it has happened")
    daily = trial.total_daily_mg
    end = trial.stop if trial.stop is not None else as_of
    days = (end - trial.start).days + 1
    drug = trials.drug(trial.drug)
    if drug is None:
        return TrialAssessment(
            label="unknown_drug",
            reasons=(
                f"no adequate-trial definition for {trial.drug!r} in the medication-trial packs, so this "
                "trial was not assessed; add the drug, with its sources, to a pack",
            ),
            daily_mg=daily,
            days=days,
            target=None,
        )

    target = _target(drug)
    ongoing = trial.stop is None
    dose_ok, dose_reason = _dose_check(daily, target.min_daily_mg)
    days_ok = days >= target.min_days
    at_target = "at target dose" if target.min_daily_mg is not None else f"({target.dose_rule})"
    if ongoing:
        days_reason = f"{_days(days)} so far; an adequate trial is at least {target.min_days} days {at_target}"
    else:
        days_reason = f"lasted {_days(days)}; an adequate trial is at least {target.min_days} days {at_target}"

    reasons: list[str] = []
    if dose_ok and days_ok:
        label: Label = "adequate"
        reasons.append(_met(daily, days, target))
        if not ongoing:
            why = f" ({_STOPPED_WORDS[trial.reason_stopped]})" if trial.reason_stopped else ""
            reasons.append(f"stopped after an adequate trial{why}")
    elif ongoing and not days_ok:
        label = "in_progress"
        if dose_ok:
            adequate_on = trial.start + timedelta(days=target.min_days - 1)
            reasons.append(f"{days_reason}; adequate on {adequate_on.isoformat()} if continued")
        else:
            reasons.append(days_reason)
            reasons.append(f"{dose_reason}; the trial counts only once the dose reaches it")
    else:
        if not ongoing and trial.reason_stopped == "side_effects":
            label = "not_tolerated"
            reasons.append("stopped for side effects before an adequate trial (not tolerated; it still counts as tried)")
        else:
            label = "inadequate"
        if not dose_ok:
            reasons.append(dose_reason)
        if not days_ok:
            reasons.append(days_reason)
        if label == "inadequate" and trial.reason_stopped is not None:
            reasons.append(f"stopped early ({_STOPPED_WORDS[trial.reason_stopped]})")
    if target.min_daily_mg is None:
        reasons.append(f"dose not checked in mg/day; what counts: {target.dose_rule}")
    if trial.response:
        reasons.append(f"response: {trial.response}")

    payer_reasons: tuple[str, ...] = ()
    meets: bool | None = None
    rule = trials.payer_rule(payer_id, drug.id) if payer_id is not None else None
    # Intolerance counts as tried for step therapy (research/clinical.md section 4), so a payer's dose
    # and duration do not apply to a trial stopped for side effects.
    if rule is not None and label != "not_tolerated":
        payer_reasons = _payer_shortfalls(rule, daily, days)
        meets = not payer_reasons
    return TrialAssessment(
        label=label,
        reasons=tuple(reasons),
        daily_mg=daily,
        days=days,
        target=target,
        payer_reasons=payer_reasons,
        meets_payer_rule=meets,
    )


def _target(drug: TrialDrug) -> TrialTarget:
    rule = drug.adequate_trial
    sources = tuple(dict.fromkeys(s.source for s in (rule.min_daily_mg, rule.min_days) if s is not None))
    return TrialTarget(
        drug_id=drug.id,
        min_daily_mg=rule.min_daily_mg.value if rule.min_daily_mg is not None else None,
        min_days=rule.min_days.value,
        dose_rule=rule.dose_rule,
        sources=sources,
    )


def _dose_check(daily: float | None, minimum: float | None) -> tuple[bool, str]:
    if minimum is None:
        return True, ""
    if daily is None:
        return False, f"no dose recorded; an adequate trial needs at least {_mg(minimum)} mg/day"
    if daily < minimum:
        return False, f"dose {_mg(daily)} mg/day is below the {_mg(minimum)} mg/day target"
    return True, ""


def _met(daily: float | None, days: int, target: TrialTarget) -> str:
    if target.min_daily_mg is None:
        return f"{_days(days)}, at least the {target.min_days} days an adequate trial needs"
    assert daily is not None
    return (
        f"{_mg(daily)} mg/day for {_days(days)} meets the adequate trial "
        f"(at least {_mg(target.min_daily_mg)} mg/day for {target.min_days} days)"
    )


def _payer_shortfalls(rule: PayerTrialRule, daily: float | None, days: int) -> tuple[str, ...]:
    short: list[str] = []
    if rule.min_daily_mg is not None and (daily is None or daily < rule.min_daily_mg):
        got = "no dose recorded" if daily is None else f"{_mg(daily)} mg/day"
        short.append(f"{got} is below this payer's {_mg(rule.min_daily_mg)} mg/day")
    if rule.min_days is not None and days < rule.min_days:
        short.append(f"{_days(days)} is shorter than this payer's {rule.min_days} days")
    return (rule.wording, *short) if short else ()


def _mg(value: float) -> str:
    return f"{value:g}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
