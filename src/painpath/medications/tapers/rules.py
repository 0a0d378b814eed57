"""The opioid taper planner, pure: from the current regimen to a target MME/day at a chosen rate.

    schedule = plan_taper(current, products=knowledge.tablet_products, target_mme=15, start=date(2027, 1, 4),
                          rate=TaperRate.monthly(18.75, reason="J2: agreed 4-month plan"), daily_mme=engine)

Rules (research/clinical.md section 1.5):
- the reduction is a percent of the ORIGINAL daily MME per step (10% a month by default for long-term use);
  step k aims at original x (1 - k x percent), never below the target;
- a faster monthly rate (over 10%) needs a clinician's reason; the short-term weekly schedule (10% of the
  original a week down to 30% of it, then 10% of what remains a week) is for patients on opioids for
  weeks to months only;
- every step is made of real tablets (the `tablet_strengths` pack, one tablet a dose, at most as many
  doses a day as now). Rounding goes UP to the next dispensable dose, so the taper never outruns the chosen
  rate; the last step rounds DOWN, so the taper ends at or below the target. A step whose rounded regimen
  equals the previous one is dropped (nothing changes that month);
- MME never rises from one step to the next; follow-ups are at least monthly during the taper and one
  month after the last step; a pause moves every later date by its length.

The MME of a regimen comes from the MME engine (painpath.medications.opioids.mme), passed in as `daily_mme`, so
this module stays free of factor tables and the engine's choice of factor set is the only one used.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import combinations_with_replacement

from painpath.core.errors import FieldProblem, InvalidInput
from painpath.knowledge.schemas import TabletProduct

# The rates, with their sources (clinical.md 1.5). Tags as in the research file.
LONG_TERM_SOURCE = ("CDC 2022 Rec 5: ~10% of the dose per month or slower for patients on opioids 1 year or more "
                    "(draft lines 2988-2990 [R], final wording via secondary sources [S]); HHS 2019 guide "
                    "https://www.hhs.gov/opioids/treatment/clinicians-guide-opioid-dosage-reduction/ (research/clinical.md 1.5)")
HHS_RANGE_SOURCE = "HHS 2019 guide: 5-20% every 4 weeks is common, pauses allowed [K] (research/clinical.md 1.5)"
SHORT_TERM_SOURCE = ("CDC 2022 draft lines 2991-2993 (Berna 2015) [R]: for weeks-to-months users, 10% of the original dose "
                     "a week until ~30% of it, then ~10% of the remaining dose a week (research/clinical.md 1.5)")
FOLLOW_UP_SOURCE = "CDC 2022 Rec 5: follow up at least monthly during a taper [R] (research/clinical.md 1.4 and 1.5)"
NALOXONE_PROMPT = ("Offer naloxone: tolerance falls during a taper, so a return to the old dose can cause an overdose "
                   "(CDC 2022 Rec 5/8 [R], research/clinical.md 1.5)")
DEFAULT_MONTHLY_PERCENT = 10.0
MAX_MONTHLY_PERCENT = 20.0  # the top of the HHS 5-20% range
_TIMES_WORDS = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


@dataclass(frozen=True)
class TaperRate:
    kind: str  # monthly | short_term_weekly
    percent: float  # of the original daily MME per step
    faster_reason: str | None = None

    @classmethod
    def monthly(cls, percent: float = DEFAULT_MONTHLY_PERCENT, *, reason: str | None = None) -> TaperRate:
        return cls("monthly", percent, reason)

    @classmethod
    def short_term_weekly(cls) -> TaperRate:
        return cls("short_term_weekly", 10.0)

    @property
    def words(self) -> str:
        if self.kind == "short_term_weekly":
            return "10% of the starting dose each week until 30% of it remains, then 10% of what remains each week"
        return f"{self.percent:g}% of the starting dose each month"

    @property
    def source(self) -> str:
        if self.kind == "short_term_weekly":
            return SHORT_TERM_SOURCE
        return LONG_TERM_SOURCE if self.percent <= DEFAULT_MONTHLY_PERCENT else HHS_RANGE_SOURCE

    def problems(self) -> list[FieldProblem]:
        if self.kind == "short_term_weekly":
            return []
        if self.kind != "monthly":
            return [FieldProblem("rate", "known_rate", f"Unknown taper rate {self.kind!r}; use monthly or short_term_weekly")]
        if not 0 < self.percent <= MAX_MONTHLY_PERCENT:
            return [FieldProblem("percent_per_month", "taper_range",
                                 f"A monthly taper of {self.percent:g}% is outside 0-{MAX_MONTHLY_PERCENT:g}% of the starting dose "
                                 "(HHS 2019: 5-20% every 4 weeks); a faster taper risks withdrawal and is not planned here")]
        if self.percent > DEFAULT_MONTHLY_PERCENT and not (self.faster_reason or "").strip():
            return [FieldProblem("faster_reason", "faster_than_10_percent",
                                 f"{self.percent:g}% a month is faster than the 10% a month CDC advises for long-term use; "
                                 "give the clinical reason for the faster taper")]
        return []


@dataclass(frozen=True)
class CurrentLine:
    """One opioid the patient takes now, on one tablet product: `daily_mg` of it in `times_per_day` doses."""

    product: TabletProduct
    daily_mg: float
    times_per_day: int
    rxnorm_code: str | None = None


@dataclass(frozen=True)
class TabletDose:
    """Part of a step's regimen: one `strength_mg` tablet of `product`, `times_per_day` times a day."""

    product: TabletProduct
    strength_mg: float
    times_per_day: int
    rxnorm_code: str | None = None

    @property
    def daily_mg(self) -> float:
        return self.strength_mg * self.times_per_day


DailyMme = Callable[[Sequence[TabletDose]], float]


@dataclass(frozen=True)
class PlannedStep:
    number: int
    on: date
    doses: tuple[TabletDose, ...]  # empty: stop the opioid
    daily_mme: float

    @property
    def words(self) -> str:
        return regimen_words(self.doses)


@dataclass(frozen=True)
class TaperSchedule:
    original_mme: float
    target_mme: float
    start: date
    rate: TaperRate
    steps: tuple[PlannedStep, ...]
    follow_ups: tuple[date, ...]  # at least monthly, through one month after the last step
    naloxone_prompt: str = NALOXONE_PROMPT

    @property
    def end(self) -> date:
        return self.steps[-1].on if self.steps else self.start


# ---- the plan -------------------------------------------------------------------------------------

def plan_taper(current: Sequence[CurrentLine], *, target_mme: float, start: date, rate: TaperRate,
               daily_mme: DailyMme) -> TaperSchedule:
    """The dated steps from `current` down to `target_mme` (refused with field and rule when impossible)."""
    problems = rate.problems()
    if not current:
        problems.append(FieldProblem("prescriptions", "required", "Give the opioid prescriptions the patient takes now"))
    if target_mme < 0:
        problems.append(FieldProblem("target_mme", "not_negative", "The target MME/day cannot be below 0"))
    if problems:
        raise InvalidInput(problems)
    now_doses = tuple(TabletDose(line.product, s, n, line.rxnorm_code) for line in current for s, n in _as_doses(line))
    original = daily_mme(now_doses)
    if target_mme >= original:
        raise InvalidInput(FieldProblem("target_mme", "below_current",
                                        f"The target ({target_mme:g} MME/day) must be below the current {original:g} MME/day"))
    steps: list[PlannedStep] = []
    previous = {line.product.id: line.daily_mg for line in current}
    floor = {line.product.id: min(line.product.strengths_mg) for line in current}  # one smallest tablet a day
    for k, ideal in enumerate(_ideal_levels(original, target_mme, rate), start=1):
        on = add_months(start, k - 1) if rate.kind == "monthly" else start + timedelta(weeks=k - 1)
        # Last step: the target is reached, or every line is down to one smallest tablet and the rate asks for less.
        at_floor = all(previous[pid] <= floor[pid] for pid in previous) and all(
            line.daily_mg * ideal / original < floor[line.product.id] for line in current)
        last = ideal <= target_mme or at_floor
        fraction = (target_mme if at_floor else ideal) / original
        doses = tuple(
            dose for line in current
            for dose in _round_line(line, line.daily_mg * fraction, down=last, at_most=previous[line.product.id])
        )
        amounts = _daily_by_product(doses)
        if any(amounts.get(pid, 0.0) != previous[pid] for pid in previous):
            steps.append(PlannedStep(len(steps) + 1, on, doses, round(daily_mme(doses), 1) if doses else 0.0))
            previous = {pid: amounts.get(pid, 0.0) for pid in previous}
        if last:
            break
    return TaperSchedule(original, target_mme, start, rate, tuple(steps), _follow_ups(start, steps))


MAX_STEPS = 520  # ten years of weekly steps: a rate that cannot reach the target is refused, not looped on


def _ideal_levels(original: float, target: float, rate: TaperRate):  # noqa: ANN202 - a generator of MME/day
    """The MME/day each step aims at, before rounding to tablets: percent of the original per step (monthly), or
    10% of the original a week down to 30% of it, then 10% of what remains a week (short-term)."""
    level = original
    for k in range(1, MAX_STEPS + 1):
        if rate.kind == "monthly":
            level = original * (1 - rate.percent / 100 * k)
        elif original * (1 - 0.1 * (k - 1)) > 0.3 * original + 1e-9:
            level = original * (1 - 0.1 * k)
        else:
            level = level * 0.9
        yield max(level, target)
        if level <= target:
            return
    raise InvalidInput(FieldProblem("rate", "reaches_target", "This rate does not reach the target in a reasonable time"))


def _as_doses(line: CurrentLine) -> list[tuple[float, int]]:
    """The current line as (strength, times a day): its daily amount in equal doses when a strength fits."""
    per_dose = line.daily_mg / line.times_per_day
    if per_dose in line.product.strengths_mg:
        return [(per_dose, line.times_per_day)]
    best = _best_combination(line.product, line.daily_mg, line.times_per_day, current_strengths=())
    if best is None:
        raise InvalidInput(FieldProblem("prescriptions", "tablet_strength",
                                        f"{line.daily_mg:g} mg a day of {line.product.name} cannot be made of its tablets "
                                        f"({', '.join(f'{s:g}' for s in line.product.strengths_mg)} mg)"))
    return sorted(Counter(best).items(), reverse=True)


def _round_line(line: CurrentLine, ideal_mg: float, *, down: bool, at_most: float) -> list[TabletDose]:
    """The dispensable regimen of one line nearest `ideal_mg`: the smallest at or above it (never above the
    previous step), or with `down` the largest at or below it (possibly nothing: the opioid stops)."""
    current_strengths = {s for s, _n in _as_doses(line)}
    options = _achievable(line.product, line.times_per_day)
    eps = 1e-9
    if down:
        candidates = [total for total in options if total <= ideal_mg + eps]
        chosen = max(candidates, default=0.0)
    else:
        candidates = [total for total in options if ideal_mg - eps <= total <= at_most + eps]
        chosen = min(candidates, default=at_most)
    chosen = min(chosen, at_most)
    if chosen <= 0:
        return []
    combo = _best_combination(line.product, chosen, line.times_per_day, current_strengths=current_strengths)
    assert combo is not None  # `chosen` came from the achievable totals
    return [TabletDose(line.product, s, n, line.rxnorm_code) for s, n in sorted(Counter(combo).items(), reverse=True)]


def _achievable(product: TabletProduct, max_doses: int) -> set[float]:
    return {sum(c) for n in range(1, max_doses + 1) for c in combinations_with_replacement(product.strengths_mg, n)}


def _best_combination(product: TabletProduct, total: float, max_doses: int, *, current_strengths) -> tuple[float, ...] | None:  # noqa: ANN001
    """The simplest way to take `total` mg a day, one tablet a dose: fewest different strengths, fewest tablets of a
    strength the patient does not have now, as many doses as now, then the most even doses."""
    fits = [c for n in range(1, max_doses + 1) for c in combinations_with_replacement(product.strengths_mg, n)
            if abs(sum(c) - total) < 1e-9]
    if not fits:
        return None
    return min(fits, key=lambda c: (len(set(c)), sum(1 for s in c if s not in current_strengths), abs(len(c) - max_doses),
                                    max(c) - min(c)))


def _daily_by_product(doses: Sequence[TabletDose]) -> dict[str, float]:
    found: dict[str, float] = {}
    for dose in doses:
        found[dose.product.id] = found.get(dose.product.id, 0.0) + dose.daily_mg
    return found


def _follow_ups(start: date, steps: Sequence[PlannedStep]) -> tuple[date, ...]:
    """Monthly from the start through one month after the last step (CDC 2022 Rec 5: at least monthly)."""
    last = steps[-1].on if steps else start
    dates, k = [], 1
    while True:
        on = add_months(start, k)
        dates.append(on)
        if on >= add_months(last, 1):
            return tuple(dates)
        k += 1


# ---- pauses ---------------------------------------------------------------------------------------

def pause(schedule: TaperSchedule, *, paused_on: date, resumed_on: date) -> TaperSchedule:
    """The schedule after a pause: every step and follow-up on or after `paused_on` moves by the pause's length."""
    if resumed_on < paused_on:
        raise InvalidInput(FieldProblem("resumed_on", "after_pause", "A taper cannot resume before it was paused"))
    shift = resumed_on - paused_on
    steps = tuple(replace(s, on=s.on + shift) if s.on >= paused_on else s for s in schedule.steps)
    follow_ups = tuple(d + shift if d >= paused_on else d for d in schedule.follow_ups)
    return replace(schedule, steps=steps, follow_ups=follow_ups)


# ---- words ----------------------------------------------------------------------------------------

def regimen_words(doses: Sequence[TabletDose]) -> str:
    """"oxycodone immediate-release tablet: 10 mg three times a day and 5 mg once a day (35 mg a day)"."""
    if not doses:
        return "Stop: no more opioid tablets"
    parts = []
    for product_id in dict.fromkeys(d.product.id for d in doses):
        mine = [d for d in doses if d.product.id == product_id]
        times = " and ".join(f"{d.strength_mg:g} mg {_TIMES_WORDS.get(d.times_per_day, f'{d.times_per_day} times a day')}" for d in mine)
        parts.append(f"{mine[0].product.name}: {times} ({sum(d.daily_mg for d in mine):g} mg a day)")
    return "; ".join(parts)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def product_for(products: Mapping[str, TabletProduct], *, drug: str, strength_mg: float, product_id: str | None = None) -> TabletProduct:
    """The product a prescription is on: named, or the first (immediate-release first) that comes in its strength."""
    if product_id is not None:
        if product_id not in products:
            known = ", ".join(sorted(products)) or "(none)"
            raise InvalidInput(FieldProblem("product", "known_product", f"Unknown tablet product {product_id!r}; known: {known}"))
        return products[product_id]
    matches = sorted((p for p in products.values() if p.drug == drug.lower() and strength_mg in p.strengths_mg),
                     key=lambda p: (p.release != "immediate", p.id))
    if not matches:
        raise InvalidInput(FieldProblem("product", "known_product",
                                        f"No tablet product of {drug} comes in {strength_mg:g} mg in the tablet-strength packs; "
                                        "name the product or add it to a pack"))
    return matches[0]


# ---- the MME engine, adapted --------------------------------------------------------------------

def engine_daily_mme(factors) -> DailyMme:  # noqa: ANN001 - a knowledge.schemas.opioids.FactorLookup
    """`daily_mme` for plan_taper from the MME engine and one factor set: each dose line is a prescription.

    A line the engine cannot count (excluded or unknown factor) is refused: a taper's MME must never be a
    silent 0 (issue 7), and buprenorphine is not tapered by MME.
    """
    from painpath.medications.opioids.mme import RxInput, prescription_mme

    def daily_mme(doses: Sequence[TabletDose]) -> float:
        total = 0.0
        for dose in doses:
            line = prescription_mme(RxInput(drug=dose.product.drug, rxnorm_code=dose.rxnorm_code, strength=dose.strength_mg,
                                            strength_unit="mg", dose_units=1, times_per_day=dose.times_per_day, form="oral"), factors)
            if line.status != "counted" or line.daily_mme is None:
                raise InvalidInput(FieldProblem("prescriptions", "mme_known", f"{dose.product.name}: {line.reason}"))
            total += line.daily_mme
        return round(total, 1)

    return daily_mme


def current_line(rx, products: Mapping[str, TabletProduct], *, product_id: str | None = None) -> CurrentLine:  # noqa: ANN001 - an mme.RxInput
    """A prescription (mme.RxInput) as a taper line: its tablet product, mg a day and doses a day."""
    if rx.strength is None or rx.strength_unit != "mg":
        raise InvalidInput(FieldProblem("prescriptions", "tablet_in_mg", "A taper is planned from tablets dosed in mg (patches are not planned here)"))
    if rx.times_per_day is not None:
        times = rx.times_per_day
    elif rx.interval_hours is not None:
        times = 24 / rx.interval_hours
    else:
        times = rx.prn_max_per_day
    if not times or times != int(times) or rx.dose_units != int(rx.dose_units) or rx.dose_units < 1:
        raise InvalidInput(FieldProblem("prescriptions", "whole_doses", "Give whole tablets a whole number of times a day"))
    product = product_for(products, drug=rx.drug or "", strength_mg=float(rx.strength), product_id=product_id)
    daily = float(rx.strength) * int(rx.dose_units) * int(times)
    return CurrentLine(product, daily, int(times), rx.rxnorm_code)
