"""Every worked MME example of research/clinical.md 1.2 (M1..M17), with the numbers as the table writes them."""

from __future__ import annotations

import pytest

from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import OpioidKnowledge
from painpath.medications.opioids.mme import RxInput, prescription_mme, total_mme


@pytest.fixture(scope="module")
def opioids() -> OpioidKnowledge:
    loaded = load_knowledge().opioids
    assert loaded is not None
    return loaded


def oral(drug: str, mg: float, **frequency: float) -> RxInput:
    return RxInput(drug=drug, strength=mg, strength_unit="mg", **frequency)  # type: ignore[arg-type]


def patch(mcg_hr: float, interval_hours: float | None = 72) -> RxInput:
    return RxInput(drug="fentanyl", strength=mcg_hr, strength_unit="mcg/hr", form="transdermal_patch", interval_hours=interval_hours)


# (row, regimen, factor set, expected daily dose, unit, expected factor, expected MME/day), clinical.md 1.2
WORKED = [
    ("M1", oral("hydrocodone 5 mg/acetaminophen 325 mg", 5, times_per_day=4), "cdc_2022_clinical", 20, "mg", 1, 20),
    ("M2", oral("oxycodone ER", 10, times_per_day=2), "cdc_2022_clinical", 20, "mg", 1.5, 30),
    ("M3", oral("oxycodone", 10, interval_hours=6), "cdc_2022_clinical", 40, "mg", 1.5, 60),
    ("M4", oral("oxycodone ER", 30, times_per_day=2), "cdc_2022_clinical", 60, "mg", 1.5, 90),
    ("M5", patch(25), "cdc_2022_clinical", 25, "mcg/hr", 2.4, 60),
    ("M6", patch(37.5, None), "cdc_2022_clinical", 37.5, "mcg/hr", 2.4, 90),
    ("M7", patch(75), "cdc_2022_clinical", 75, "mcg/hr", 2.4, 180),
    ("M8", patch(100), "cdc_2022_clinical", 100, "mcg/hr", 2.4, 240),
    ("M9", oral("morphine ER", 20, times_per_day=1), "cdc_2022_clinical", 20, "mg", 1, 20),
    ("M10", oral("hydromorphone", 4, interval_hours=6), "cdc_2022_clinical", 16, "mg", 5, 80),
    ("M10/2016", oral("hydromorphone", 4, interval_hours=6), "cdc_2016_clinical", 16, "mg", 4, 64),
    ("M11", oral("methadone", 10, times_per_day=3), "cdc_2022_clinical", 30, "mg", 4.7, 141),
    ("M11/2016", oral("methadone", 10, times_per_day=3), "cdc_2016_clinical", 30, "mg", 8, 240),
    ("M12", oral("tramadol", 50, times_per_day=4), "cdc_2022_clinical", 200, "mg", 0.2, 40),
    ("M12/2018", oral("tramadol", 50, times_per_day=4), "cdc_2018_analytic", 200, "mg", 0.1, 20),
    ("M13", oral("tapentadol", 100, times_per_day=2), "cdc_2022_clinical", 200, "mg", 0.4, 80),
    ("M14", oral("codeine", 30, times_per_day=4), "cdc_2022_clinical", 120, "mg", 0.15, 18),
]


@pytest.mark.parametrize(("row", "rx", "factor_set", "dose", "unit", "factor", "mme"), WORKED, ids=[w[0] for w in WORKED])
def test_worked_example(opioids: OpioidKnowledge, row: str, rx: RxInput, factor_set: str, dose: float, unit: str,
                        factor: float, mme: float) -> None:
    result = prescription_mme(rx, opioids.factor_set(factor_set))
    assert result.status == "counted", result.reason
    assert (result.daily_dose, result.unit, result.factor, result.factor_set) == (dose, unit, factor, factor_set)
    assert result.daily_mme == mme
    assert result.analytic_only is (factor_set == "cdc_2018_analytic")


def test_point_of_care_default_is_the_2022_table(opioids: OpioidKnowledge) -> None:
    # M10 and M11 are where 2016 and 2022 differ; the default must give the 2022 numbers.
    default = opioids.factor_set()
    assert default.name == "cdc_2022_clinical"
    assert prescription_mme(oral("hydromorphone", 4, interval_hours=6), default).daily_mme == 80
    assert prescription_mme(oral("methadone", 10, times_per_day=3), default).daily_mme == 141


def test_m15_m3_plus_m1_reaches_the_naloxone_threshold(opioids: OpioidKnowledge) -> None:
    lookup = opioids.factor_set()
    total = total_mme([prescription_mme(oral("oxycodone", 10, interval_hours=6), lookup),
                       prescription_mme(oral("hydrocodone/APAP", 5, times_per_day=4), lookup)])
    assert (total.total, total.complete) == (80, True)
    assert total.total >= opioids.thresholds.naloxone_offer_at_mme.value


def test_m16_buccal_fentanyl_uses_the_2018_analytic_factor_and_says_so(opioids: OpioidKnowledge) -> None:
    rx = RxInput(drug="fentanyl", strength=100, strength_unit="mcg", form="buccal", times_per_day=1)
    result = prescription_mme(rx, opioids.factor_set())
    assert (result.daily_dose, result.unit, result.factor, result.daily_mme) == (100, "mcg", 0.13, 13)
    assert result.factor_set == "cdc_2018_analytic" and result.analytic_only
    assert any("does not constitute clinical guidance" in note for note in result.notes)


def test_m17_buprenorphine_patch_is_excluded_not_zero(opioids: OpioidKnowledge) -> None:
    rx = RxInput(drug="buprenorphine", strength=5, strength_unit="mcg/hr", form="transdermal_patch")
    result = prescription_mme(rx, opioids.factor_set())
    assert result.status == "excluded"
    assert result.daily_mme is None and result.factor is None
    assert "partial mu-agonist" in result.reason
    total = total_mme([result])
    assert total.excluded == [result] and total.counted == [] and total.complete


def test_j2_oxycodone_10_mg_four_times_a_day_is_60(opioids: OpioidKnowledge) -> None:
    # scenarios/journeys.md J2: "oxycodone 10 mg four times a day (60 MME/day)"
    assert prescription_mme(oral("oxycodone", 10, times_per_day=4), opioids.factor_set()).daily_mme == 60
