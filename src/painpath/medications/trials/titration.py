"""A planned trial's schedule: dated titration steps toward the target, check items, and the evaluation day.

    schedule = titration_schedule(drug, start=date(2026, 12, 7), target_daily_mg=900)

Pure: the pack's drug entry and dates in, a schedule out. The first step is the pack's starting dose on the
start date; each later step adds the pack's step to the daily total `interval_days` after the previous one
(the pack gives a range; the clinician picks within it, the lower end by default) until the target. The
trial is adequate once the target has been held for the pack's adequate-trial days, so the evaluation is
due on the day that is reached (the target day counts as day 1, as in painpath.charting.trials).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from painpath.core.errors import FieldProblem
from painpath.knowledge.schemas import TrialDrug
from painpath.medications.trials import target_bounds

_TIMES_WORDS = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


@dataclass(frozen=True)
class TitrationStep:
    number: int  # 1 is the starting dose
    on: date
    daily_mg: float
    times_per_day: int
    dose_mg: float  # each time

    @property
    def words(self) -> str:
        return f"{_mg(self.dose_mg)} mg {_TIMES_WORDS.get(self.times_per_day, f'{self.times_per_day} times a day')} ({_mg(self.daily_mg)} mg a day)"


@dataclass(frozen=True)
class CheckItem:
    """A monitoring check from the pack, due on a day of the schedule."""

    check_id: str
    on: date
    text: str
    source: str


@dataclass(frozen=True)
class TrialSchedule:
    steps: tuple[TitrationStep, ...]
    target_reached_on: date
    evaluation_on: date  # the day the target dose has been held for the adequate-trial days
    checks: tuple[CheckItem, ...]
    interval_days: int | None  # None: no titration (the trial starts at its target)
    sources: tuple[str, ...]


def split_daily(daily_mg: float, *, unit_mg: float, max_times: int) -> tuple[int, float]:
    """How a daily total is taken: as many `unit_mg` doses as it holds, at most `max_times` a day."""
    times = max(1, min(max_times, math.ceil(daily_mg / unit_mg - 1e-9)))
    return times, daily_mg / times


def schedule_problems(drug: TrialDrug, *, target_daily_mg: float, interval_days: int | None, reach_by: date | None,
                      start: date, above_max_reason: str | None = None) -> list[FieldProblem]:
    """What stops a schedule from being made, each with its field and rule."""
    # Bounds first, by arithmetic: the schedule below is only built for a target within them.
    problems: list[FieldProblem] = target_bounds.target_problems(drug, target_daily_mg=target_daily_mg,
                                                                 above_max_reason=above_max_reason)
    titration = drug.titration
    if target_daily_mg <= 0:
        problems.append(FieldProblem("target.daily_mg", "positive", "The target daily dose must be more than 0 mg"))
    minimum = drug.adequate_trial.min_daily_mg
    if minimum is not None and 0 < target_daily_mg < minimum.value:
        problems.append(FieldProblem(
            "target.daily_mg", "adequate_dose",
            f"A target of {_mg(target_daily_mg)} mg a day is below the {_mg(minimum.value)} mg a day an adequate trial of "
            f"{drug.name} needs, so the trial could never count; aim at least that high"))
    if titration is not None and interval_days is not None and not titration.interval_days_min <= interval_days <= titration.interval_days_max:
        problems.append(FieldProblem(
            "target.interval_days", "pack_interval",
            f"Steps of {drug.name} are {titration.interval_days_min} to {titration.interval_days_max} days apart; "
            f"{interval_days} is outside that"))
    if not problems and reach_by is not None:
        reached = titration_schedule(drug, start=start, target_daily_mg=target_daily_mg, interval_days=interval_days).target_reached_on
        if reached > reach_by:
            problems.append(FieldProblem(
                "target.reach_by", "reachable",
                f"With steps every {interval_days or (titration.interval_days_min if titration else 0)} days the target is reached on "
                f"{reached.isoformat()}, after {reach_by.isoformat()}; pick a later date or shorter steps"))
    return problems


def titration_schedule(drug: TrialDrug, *, start: date, target_daily_mg: float, interval_days: int | None = None) -> TrialSchedule:
    """The dated steps from the pack's starting dose to `target_daily_mg`, the checks, and the evaluation day."""
    titration = drug.titration
    steps: list[TitrationStep] = []
    sources: list[str] = []
    if titration is None:
        # Nothing to titrate (a patch, a cream, or a drug the packs give no schedule for): start at the target.
        steps.append(TitrationStep(1, start, target_daily_mg, 1, target_daily_mg))
        interval = None
    else:
        interval = interval_days or titration.interval_days_min
        sources.append(titration.source)
        daily, on = min(titration.start_dose_mg, target_daily_mg), start
        while True:
            times, dose = split_daily(daily, unit_mg=titration.start_dose_mg, max_times=titration.max_times_per_day)
            steps.append(TitrationStep(len(steps) + 1, on, daily, times, dose))
            if daily >= target_daily_mg:
                break
            daily, on = min(daily + titration.step_daily_mg, target_daily_mg), on + timedelta(days=interval)
    reached = steps[-1].on
    min_days = drug.adequate_trial.min_days
    sources.append(min_days.source)
    evaluation = reached + timedelta(days=min_days.value - 1)
    return TrialSchedule(tuple(steps), reached, evaluation, _checks(drug, steps, evaluation), interval, tuple(dict.fromkeys(sources)))


def _checks(drug: TrialDrug, steps: list[TitrationStep], evaluation: date) -> tuple[CheckItem, ...]:
    items: list[CheckItem] = []
    for check in drug.monitoring:
        if check.at == "start":
            days = [steps[0].on]
        elif check.at == "each_step":
            days = [step.on for step in steps[1:]] or [steps[0].on]  # a step up is when the check matters
        else:
            days = [evaluation]
        items.extend(CheckItem(check.id, day, check.text, check.source) for day in days)
    return tuple(sorted(items, key=lambda c: (c.on, c.check_id)))


def _mg(value: float) -> str:
    return f"{value:g}"
