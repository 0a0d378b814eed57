"""Properties of the MME engine (hypothesis): linear in dose, blind to how a day's dose is split,
patches blind to how often they are changed, buprenorphine never in the total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import FactorLookup
from painpath.medications.opioids.mme import RxInput, prescription_mme, total_mme

LOOKUP: FactorLookup = load_knowledge().opioids.factor_set()  # type: ignore[union-attr]
# Opioids with a single oral factor in the 2022 set (methadone's 4.7 is single in 2022 too).
ORAL = ["codeine", "hydrocodone", "hydromorphone", "methadone", "morphine", "oxycodone", "oxymorphone", "tapentadol", "tramadol"]
ROUNDING = 0.05  # each line is rounded to 1 decimal

strengths = st.decimals(min_value="0.5", max_value="60", places=1).map(float)
whole_times = st.integers(min_value=1, max_value=6)


def exact_product(strength: float, k: int) -> float:
    # 8.1 * 3 is 24.299999999999997 in binary; a prescriber writes 24.3.
    return float(Decimal(str(strength)) * k)


def mme(rx: RxInput) -> float:
    result = prescription_mme(rx, LOOKUP)
    assert result.status == "counted" and result.daily_mme is not None, result.reason
    return result.daily_mme


@settings(max_examples=150, deadline=None)
@given(drug=st.sampled_from(ORAL), strength=strengths, times=whole_times, k=st.integers(min_value=2, max_value=5))
def test_mme_scales_linearly_with_the_dose(drug: str, strength: float, times: int, k: int) -> None:
    one = mme(RxInput(drug=drug, strength=strength, times_per_day=times))
    scaled = mme(RxInput(drug=drug, strength=exact_product(strength, k), times_per_day=times))
    assert scaled == pytest.approx(k * one, abs=ROUNDING * (k + 1))
    more_tablets = mme(RxInput(drug=drug, strength=strength, dose_units=k, times_per_day=times))
    assert more_tablets == scaled


@settings(max_examples=150, deadline=None)
@given(drug=st.sampled_from(ORAL), strength=strengths, times=st.integers(1, 4), split=st.sampled_from([2, 3, 4, 6]))
def test_mme_is_unchanged_by_how_the_daily_amount_is_split(drug: str, strength: float, times: int, split: int) -> None:
    # 2 x 10 mg == 4 x 5 mg: the same mg a day in more, smaller doses.
    whole = mme(RxInput(drug=drug, strength=exact_product(strength, split), times_per_day=times))
    in_parts = mme(RxInput(drug=drug, strength=strength, times_per_day=times * split))
    by_interval = mme(RxInput(drug=drug, strength=strength, interval_hours=24 / (times * split)))
    assert in_parts == pytest.approx(whole, abs=ROUNDING)
    assert by_interval == pytest.approx(whole, abs=ROUNDING)


@settings(max_examples=100, deadline=None)
@given(mcg_hr=st.sampled_from([12, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100]),
       interval=st.one_of(st.none(), st.sampled_from([24, 48, 72, 96])), patches=st.integers(1, 3))
def test_patch_mme_ignores_how_often_it_is_changed(mcg_hr: float, interval: float | None, patches: int) -> None:
    rx = RxInput(drug="fentanyl", strength=mcg_hr, strength_unit="mcg/hr", dose_units=patches,
                 form="transdermal_patch", interval_hours=interval)
    assert mme(rx) == pytest.approx(mcg_hr * patches * 2.4, abs=ROUNDING)


@settings(max_examples=100, deadline=None)
@given(others=st.lists(st.tuples(st.sampled_from(ORAL), strengths, whole_times), max_size=4),
       bup=st.sampled_from([
           RxInput(drug="buprenorphine", strength=5, strength_unit="mcg/hr", form="transdermal_patch"),
           RxInput(drug="buprenorphine/naloxone", strength=8, strength_unit="mg", form="buccal_film", times_per_day=2),
           RxInput(rxnorm_code="1819", strength=300, strength_unit="mcg", form="buccal", times_per_day=2),
       ]))
def test_buprenorphine_never_adds_to_the_total(others: list[tuple[str, float, int]], bup: RxInput) -> None:
    lines = [prescription_mme(RxInput(drug=d, strength=s, times_per_day=t), LOOKUP) for d, s, t in others]
    without = total_mme(lines)
    with_bup = total_mme([*lines, prescription_mme(bup, LOOKUP)])
    assert with_bup.total == without.total
    assert with_bup.complete and [line.drug for line in with_bup.excluded] == ["buprenorphine"]
