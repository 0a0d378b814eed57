"""The taper planner, pure (issue 7 item 4; research/clinical.md 1.5), with the shipped packs and the real MME
engine: J2's taper from 60 to 15 MME/day over four months, the 10%-a-month default, real tablet strengths,
monthly follow-ups, and pauses."""

from __future__ import annotations

from datetime import date

import pytest

from painpath.core.errors import InvalidInput
from painpath.knowledge.loader import load_knowledge
from painpath.medications.opioids.mme import RxInput
from painpath.medications.tapers.rules import (
    TaperRate, add_months, current_line, engine_daily_mme, pause, plan_taper,
)

START = date(2027, 1, 4)


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge()


@pytest.fixture(scope="module")
def j2_regimen(knowledge):  # noqa: ANN001, ANN201
    """J2: oxycodone 10 mg four times a day (60 MME/day)."""
    return [current_line(RxInput(drug="oxycodone", rxnorm_code="7804", strength=10, strength_unit="mg", times_per_day=4),
                         knowledge.tablet_products)]


@pytest.fixture(scope="module")
def mme(knowledge):  # noqa: ANN001, ANN201
    return engine_daily_mme(knowledge.opioids.factor_set("cdc_2022_clinical"))


def _j2(j2_regimen, mme):  # noqa: ANN001, ANN202
    # 60 -> 15 in four monthly steps is 45/4 = 11.25 MME a month, 18.75% of the starting dose: faster than the
    # 10% default, within HHS's 5-20% range, so the clinician gives the reason.
    return plan_taper(j2_regimen, target_mme=15, start=START, rate=TaperRate.monthly(18.75, reason="J2: agreed four-month plan"), daily_mme=mme)


def test_j2_four_monthly_steps_on_real_tablets_from_60_to_15(j2_regimen, mme, knowledge):
    schedule = _j2(j2_regimen, mme)
    assert schedule.original_mme == 60
    assert [s.on for s in schedule.steps] == [date(2027, 1, 4), date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 4)]
    strengths = knowledge.tablet_products["oxycodone_ir"].strengths_mg
    for step in schedule.steps:
        assert step.doses and all(d.strength_mg in strengths for d in step.doses)
        assert step.daily_mme == sum(d.daily_mg for d in step.doses) * 1.5  # the engine's oxycodone factor
    mmes = [60.0, *(s.daily_mme for s in schedule.steps)]
    assert all(later < earlier for earlier, later in zip(mmes, mmes[1:]))  # never rises (and every step lowers it)
    assert schedule.steps[-1].daily_mme <= 15
    assert [s.words for s in schedule.steps] == [
        "oxycodone immediate-release tablet: 10 mg three times a day and 5 mg once a day (35 mg a day)",
        "oxycodone immediate-release tablet: 10 mg twice a day and 5 mg once a day (25 mg a day)",
        "oxycodone immediate-release tablet: 10 mg twice a day (20 mg a day)",
        "oxycodone immediate-release tablet: 10 mg once a day (10 mg a day)",
    ]
    # At least monthly follow-up during the taper, through a month after the last step.
    assert schedule.follow_ups == (date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 4), date(2027, 5, 4))
    assert "naloxone" in schedule.naloxone_prompt.lower()


def test_rounding_up_never_outruns_the_chosen_rate(j2_regimen, mme):
    schedule = _j2(j2_regimen, mme)
    for k, step in enumerate(schedule.steps[:-1], start=1):
        assert step.daily_mme >= 60 * (1 - 0.1875 * k)


def test_the_default_is_10_percent_of_the_starting_dose_a_month(j2_regimen, mme):
    schedule = plan_taper(j2_regimen, target_mme=15, start=START, rate=TaperRate.monthly(), daily_mme=mme)
    assert schedule.rate.words == "10% of the starting dose each month"
    assert "CDC 2022 Rec 5" in schedule.rate.source
    for step in schedule.steps:
        months = (step.on.year - START.year) * 12 + step.on.month - START.month + 1  # the first step is month 1
        assert step.daily_mme >= 60 * (1 - 0.10 * months) - 1e-9  # cumulative cut at most 10% a month
    assert schedule.steps[-1].daily_mme == 15
    assert len(schedule.steps) > 4 and schedule.end > add_months(START, 4)  # slower than J2's faster plan


def test_faster_than_10_percent_a_month_needs_a_reason_and_over_20_is_refused(j2_regimen, mme):
    with pytest.raises(InvalidInput) as refused:
        plan_taper(j2_regimen, target_mme=15, start=START, rate=TaperRate.monthly(18.75), daily_mme=mme)
    assert [(p.field, p.rule) for p in refused.value.problems] == [("faster_reason", "faster_than_10_percent")]
    with pytest.raises(InvalidInput) as refused:
        plan_taper(j2_regimen, target_mme=15, start=START, rate=TaperRate.monthly(30, reason="hurry"), daily_mme=mme)
    assert refused.value.problems[0].rule == "taper_range"
    with pytest.raises(InvalidInput) as refused:
        plan_taper(j2_regimen, target_mme=90, start=START, rate=TaperRate.monthly(), daily_mme=mme)
    assert (refused.value.problems[0].field, refused.value.problems[0].rule) == ("target_mme", "below_current")


def test_short_term_weekly_steps_are_a_week_apart(j2_regimen, mme):
    schedule = plan_taper(j2_regimen, target_mme=15, start=START, rate=TaperRate.short_term_weekly(), daily_mme=mme)
    # Week 1 aims at 54 MME (36 mg): no tablets make that without rounding below it, so nothing changes until
    # week 2 (48 MME -> 35 mg, rounded up to 52.5 MME).
    assert (schedule.steps[0].on, schedule.steps[0].daily_mme) == (date(2027, 1, 11), 52.5)
    assert all((s.on - START).days % 7 == 0 for s in schedule.steps)
    assert schedule.steps[-1].daily_mme <= 15


def test_a_pause_shifts_the_later_steps_and_follow_ups(j2_regimen, mme):
    schedule = _j2(j2_regimen, mme)
    held = pause(schedule, paused_on=date(2027, 2, 20), resumed_on=date(2027, 3, 20))  # four weeks on hold after step 2
    assert [s.on for s in held.steps] == [date(2027, 1, 4), date(2027, 2, 4), date(2027, 4, 1), date(2027, 5, 2)]
    assert [s.daily_mme for s in held.steps] == [s.daily_mme for s in schedule.steps]
    assert held.follow_ups == (date(2027, 2, 4), date(2027, 4, 1), date(2027, 5, 2), date(2027, 6, 1))


def test_a_strength_no_tablet_comes_in_is_refused(knowledge):
    with pytest.raises(InvalidInput) as refused:
        current_line(RxInput(drug="oxycodone", strength=12, strength_unit="mg", times_per_day=2), knowledge.tablet_products)
    assert (refused.value.problems[0].field, refused.value.problems[0].rule) == ("product", "known_product")
