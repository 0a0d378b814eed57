"""Bad input is refused with the field and the rule; an unknown opioid makes the total incomplete, never smaller."""

from __future__ import annotations

import pytest

from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import FactorLookup
from painpath.medications.opioids.mme import MmeRefusal, RxInput, prescription_mme, prescription_mme_or_unknown, total_mme
from painpath.medications.opioids.sig import parse_sig

LOOKUP: FactorLookup = load_knowledge().opioids.factor_set()  # type: ignore[union-attr]
OXY = RxInput(drug="oxycodone", strength=10, times_per_day=4)  # 60 MME/day


def refusal(rx: RxInput) -> MmeRefusal:
    with pytest.raises(MmeRefusal) as info:
        prescription_mme(rx, LOOKUP)
    return info.value


def test_unknown_drug_is_unknown_with_field_and_rule() -> None:
    result = prescription_mme(RxInput(drug="zorbanol", strength=10, times_per_day=2), LOOKUP)
    assert result.status == "unknown" and result.daily_mme is None
    assert result.refusal is not None and (result.refusal.field, result.refusal.rule) == ("drug", "unknown_drug")
    assert "zorbanol" in result.reason and "never counted as 0" in result.reason


def test_unknown_opioid_makes_the_total_incomplete_never_smaller() -> None:
    oxy = prescription_mme(OXY, LOOKUP)
    unknown = prescription_mme(RxInput(drug="zorbanol", strength=10, times_per_day=2), LOOKUP)
    total = total_mme([oxy, unknown])
    assert total.complete is False and total.unknown == [unknown]
    assert total.total == 60.0  # what is known, shown as a lower bound
    assert total.label == "at least 60.0 MME/day (incomplete: 1 opioid with no known factor)"
    assert total_mme([oxy]).label == "60.0 MME/day"


def test_known_opioid_without_a_factor_in_the_set_is_unknown() -> None:
    # Tapentadol is not in the 2016 sheet and that set has no fallback: unknown, not 0.
    lookup = load_knowledge().opioids.factor_set("cdc_2016_clinical")  # type: ignore[union-attr]
    result = prescription_mme(RxInput(drug="tapentadol", strength=100, times_per_day=2), lookup)
    assert (result.status, result.daily_mme, result.drug) == ("unknown", None, "tapentadol")
    assert "no cdc_2016_clinical factor" in result.reason
    assert total_mme([result]).complete is False


def test_butorphanol_spray_in_mcg_is_unknown_not_multiplied_by_a_mg_factor() -> None:
    result = prescription_mme(RxInput(drug="butorphanol", strength=1000, strength_unit="mcg", form="nasal", times_per_day=2), LOOKUP)
    assert result.status == "unknown"


@pytest.mark.parametrize(("rx", "field", "rule"), [
    (RxInput(drug="oxycodone", strength=0, times_per_day=4), "strength", "impossible_dose"),
    (RxInput(drug="oxycodone", strength=-5, times_per_day=4), "strength", "impossible_dose"),
    (RxInput(drug="oxycodone", strength=None, times_per_day=4), "strength", "required"),
    (RxInput(drug="oxycodone", strength=10, dose_units=0, times_per_day=4), "dose_units", "impossible_dose"),
    (RxInput(drug="oxycodone", strength=10, dose_units=30, times_per_day=4), "dose_units", "impossible_dose"),
    (RxInput(drug="oxycodone", strength=10000, times_per_day=4), "strength", "impossible_dose"),  # mg typed for mcg
    (RxInput(drug="fentanyl", strength=5000, strength_unit="mcg/hr", form="transdermal_patch"), "strength", "impossible_dose"),
    (RxInput(drug="oxycodone", strength=10, times_per_day=48), "times_per_day", "impossible_frequency"),
    (RxInput(drug="oxycodone", strength=10, interval_hours=0.25), "interval_hours", "impossible_frequency"),
    (RxInput(drug="oxycodone", strength=10), "frequency", "frequency_required"),
    (RxInput(drug="oxycodone", strength=10, times_per_day=2, interval_hours=6), "frequency", "frequency_conflict"),
    (RxInput(drug="fentanyl", strength=25, strength_unit="mcg", form="transdermal_patch"), "strength_unit", "patch_needs_rate"),
    (RxInput(drug="oxycodone", strength=10, strength_unit="ml", times_per_day=2), "strength_unit", "unknown_unit"),
    (RxInput(drug="oxycodone", strength=10, times_per_day=2, form="rectal"), "form", "unknown_form"),
    (RxInput(strength=10, times_per_day=2), "drug", "required"),
    (RxInput(drug="oxycodone/morphine", strength=10, times_per_day=2), "drug", "one_opioid_per_line"),
    (RxInput(drug="hydrocodone/zorbanol", strength=5, times_per_day=2), "drug", "unknown_ingredient"),
    (RxInput(drug="oxycodone", rxnorm_code="7052", strength=10, times_per_day=2), "rxnorm_code", "drug_and_code_disagree"),
])
def test_bad_input_is_refused_with_field_and_rule(rx: RxInput, field: str, rule: str) -> None:
    refused = refusal(rx)
    assert (refused.field, refused.rule) == (field, rule)
    assert str(refused).startswith(f"{field}: ")


def test_a_refused_line_in_a_list_becomes_unknown_and_the_total_incomplete() -> None:
    lines = [prescription_mme(OXY, LOOKUP), prescription_mme_or_unknown(RxInput(drug="morphine", strength=0, times_per_day=2), LOOKUP)]
    assert lines[1].status == "unknown" and lines[1].refusal is not None and lines[1].refusal.field == "strength"
    total = total_mme(lines)
    assert (total.total, total.complete) == (60.0, False)


# --- PRN ---------------------------------------------------------------------------------------------------

def test_prn_counts_the_stated_maximum_per_day() -> None:
    # "every 4 hours as needed, at most 4 a day": 4 x 10 mg, not the 6 doses the interval would allow.
    result = prescription_mme(RxInput(drug="oxycodone", strength=10, interval_hours=4, prn_max_per_day=4), LOOKUP)
    assert (result.daily_dose, result.daily_mme) == (40, 60)
    assert any("stated maximum of 4" in note for note in result.notes)


def test_prn_without_a_maximum_counts_the_interval_maximum_and_says_so() -> None:
    result = prescription_mme(RxInput(drug="oxycodone", strength=10, interval_hours=4, as_needed=True), LOOKUP)
    assert (result.daily_dose, result.daily_mme) == (60, 90)
    assert any("no maximum" in note and "6 a day" in note for note in result.notes)


# --- The sig parser -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sig", "strength", "expected_mme"), [
    ("1 tab PO q6h prn, max 4/day", 10, 60),
    ("take 1 tablet every 4 hours as needed, at most 4 a day", 10, 60),
    ("10 mg BID", None, 30),
    ("2 tabs three times daily", 5, 45),
    ("1-2 tabs q4-6h prn", 5, 90),  # the top of both ranges: 2 tabs every 4 hours = 60 mg
    ("1 tab 4 times a day", 10, 60),
])
def test_sig_to_mme(sig: str, strength: float | None, expected_mme: float) -> None:
    rx = parse_sig(sig).to_rx("oxycodone", strength=strength, strength_unit="mg" if strength else None)
    assert prescription_mme(rx, LOOKUP).daily_mme == expected_mme


def test_patch_sig() -> None:
    parsed = parse_sig("1 patch q72h")
    assert (parsed.dose_units, parsed.interval_hours, parsed.form) == (1, 72, "transdermal_patch")
    rx = parsed.to_rx("fentanyl", strength=25, strength_unit="mcg/hr")
    assert prescription_mme(rx, LOOKUP).daily_mme == 60


def test_sig_ranges_say_what_was_counted() -> None:
    assert parse_sig("1-2 tabs q4-6h prn").notes == (
        "a range of 1-2 per dose: counted the top, 2", "every 4-6 hours: counted the shortest interval, 4 hours")


@pytest.mark.parametrize(("sig", "rule"), [
    ("take as directed", "frequency_unparseable"),
    ("1 tab when you feel like it", "frequency_unparseable"),
    ("", "required"),
    ("1 tab BID q6h", "frequency_conflict"),
    ("twice a day", "dose_unparseable"),
])
def test_unparseable_sig_is_refused(sig: str, rule: str) -> None:
    with pytest.raises(MmeRefusal) as info:
        parse_sig(sig)
    assert (info.value.field, info.value.rule) == ("sig", rule)
