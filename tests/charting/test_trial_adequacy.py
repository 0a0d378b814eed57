"""Was that a real medication trial? J4, one case per drug, boundaries, and the other labels."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from painpath.charting.trials import TrialFacts, assess
from painpath.knowledge import load_knowledge
from painpath.knowledge.schemas import MedicationTrials

START = date(2026, 3, 2)
AS_OF = date(2026, 6, 1)

# Test data, not a real payer's text: a clinic pack quotes its payer's policy verbatim.
PAYER_WORDING = "Gabapentin trial must be at least 1800 mg per day for at least 6 weeks."


def stopped_after(days: int, **kw: object) -> TrialFacts:
    """A trial taken on `days` days (first and last included)."""
    return TrialFacts(start=START, stop=START + timedelta(days=days - 1), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trials() -> MedicationTrials:
    loaded = load_knowledge().medication_trials
    assert loaded is not None
    return loaded


@pytest.fixture
def with_strict_payer(tmp_path: Path) -> MedicationTrials:
    pack = {
        "pack": {"id": "clinic.step_therapy", "kind": "medication_trials", "version": 1,
                 "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
        "drugs": [],
        "payer_overrides": {"bcbs_commercial": {"gabapentin": {
            "min_daily_mg": 1800, "min_days": 42, "wording": PAYER_WORDING,
            "source": "test policy", "evidence": "K", "verified": False}}},
    }
    (tmp_path / "step_therapy.yaml").write_text(yaml.safe_dump(pack), encoding="utf-8")
    loaded = load_knowledge(extra_dirs=[tmp_path]).medication_trials
    assert loaded is not None
    return loaded


# --- J4 ----------------------------------------------------------------------------------------------


def test_j4_300_mg_at_night_for_two_weeks_is_not_adequate(trials: MedicationTrials) -> None:
    result = assess(stopped_after(14, drug="gabapentin", dose_mg=300, times_per_day=1), trials, as_of=AS_OF)
    assert result.label == "inadequate"
    assert result.reasons == (
        "dose 300 mg/day is below the 900 mg/day target",
        "lasted 14 days; an adequate trial is at least 28 days at target dose",
    )
    assert (result.daily_mg, result.days) == (300, 14)


def test_j4_300_mg_three_times_a_day_for_a_month_is_adequate(trials: MedicationTrials) -> None:
    month = TrialFacts(drug="gabapentin", start=date(2026, 3, 1), stop=date(2026, 3, 31), dose_mg=300,
                       times_per_day=3, reason_stopped="ineffective")
    result = assess(month, trials, as_of=AS_OF)
    assert result.label == "adequate"
    assert result.reasons[0] == "900 mg/day for 31 days meets the adequate trial (at least 900 mg/day for 28 days)"
    assert result.reasons[1] == "stopped after an adequate trial (it did not help)"
    assert result.target is not None and any("J4" in s for s in result.target.sources)
    assert result.payer_reasons == () and result.meets_payer_rule is None


def test_j4_a_stricter_payer_says_so_in_its_own_words(with_strict_payer: MedicationTrials) -> None:
    month = TrialFacts(drug="gabapentin", start=date(2026, 3, 1), stop=date(2026, 3, 31), dose_mg=300, times_per_day=3)
    result = assess(month, with_strict_payer, payer_id="bcbs_commercial", as_of=AS_OF)
    assert result.label == "adequate"  # under the clinic's default
    assert result.meets_payer_rule is False
    assert result.payer_reasons == (
        PAYER_WORDING,
        "900 mg/day is below this payer's 1800 mg/day",
        "31 days is shorter than this payer's 42 days",
    )
    # Another payer, or none, keeps the clinic default only.
    assert assess(month, with_strict_payer, payer_id="aetna_commercial", as_of=AS_OF).meets_payer_rule is None
    assert assess(month, with_strict_payer, as_of=AS_OF).payer_reasons == ()


def test_payer_rule_met(with_strict_payer: MedicationTrials) -> None:
    result = assess(stopped_after(42, drug="gabapentin", daily_mg=1800), with_strict_payer,
                    payer_id="bcbs_commercial", as_of=AS_OF)
    assert (result.label, result.meets_payer_rule, result.payer_reasons) == ("adequate", True, ())


def test_payer_rule_ignored_when_not_tolerated(with_strict_payer: MedicationTrials) -> None:
    # Intolerance counts as tried for step therapy (clinical.md section 4, trial-failure definition).
    trial = stopped_after(5, drug="gabapentin", daily_mg=600, reason_stopped="side_effects")
    result = assess(trial, with_strict_payer, payer_id="bcbs_commercial", as_of=AS_OF)
    assert (result.label, result.payer_reasons, result.meets_payer_rule) == ("not_tolerated", (), None)


# --- One case per drug: exactly at the pack's minimum is adequate -------------------------------------

# (drug, daily mg at the minimum or None for patches/creams, minimum days); cited from clinical.md section 4
PER_DRUG = [
    ("gabapentin", 900, 28),  # journeys.md J4 clinic default (clinical.md:418 gives NeuPSIG 1200-3600)
    ("pregabalin", 300, 28),  # clinical.md:419 300-600 mg [R], 4 weeks [K]
    ("duloxetine", 60, 28),  # clinical.md:420 60 mg, 4 weeks at 60 mg [K]
    ("venlafaxine_xr", 150, 28),  # clinical.md:421 150-225 mg [R], 4-6 weeks [K]
    ("amitriptyline", 25, 42),  # clinical.md:422 25-150 mg [R], 6-8 weeks [K]
    ("nortriptyline", 25, 42),  # clinical.md:422 25-150 mg [R], 6-8 weeks [K]
    ("lidocaine_5_patch", None, 21),  # clinical.md:423 1-3 patches [R], 3 weeks [K]
    ("capsaicin_8_patch", None, 84),  # clinical.md:424 reassess at 12 weeks [K]
    ("capsaicin_cream", None, 28),  # clinical.md:425 QID, 4-6 weeks [K]
    ("diclofenac_topical", None, 14),  # clinical.md:428 label dosing, 2-4 weeks [K]
    ("tramadol", 200, 28),  # clinical.md:426 200-400 mg [R], 4 weeks [K]
    ("naproxen", 1000, 14),  # clinical.md:427 500 mg BID, 2-4 weeks [K]
    ("ibuprofen", 1200, 14),  # clinical.md:427 400-800 mg TID, 2-4 weeks [K]
]


@pytest.mark.parametrize(("drug", "daily", "days"), PER_DRUG, ids=[r[0] for r in PER_DRUG])
def test_each_drug_at_its_minimum(trials: MedicationTrials, drug: str, daily: int | None, days: int) -> None:
    assert set(trials.drugs) == {r[0] for r in PER_DRUG}
    at_minimum = assess(stopped_after(days, drug=drug, daily_mg=daily), trials, as_of=AS_OF)
    assert at_minimum.label == "adequate", at_minimum.reasons
    assert at_minimum.target is not None
    assert (at_minimum.target.min_daily_mg, at_minimum.target.min_days) == (daily, days)

    one_day_short = assess(stopped_after(days - 1, drug=drug, daily_mg=daily), trials, as_of=AS_OF)
    assert one_day_short.label == "inadequate"
    assert f"lasted {days - 1} days; an adequate trial is at least {days} days" in one_day_short.reasons[0]

    if daily is not None:
        low = assess(stopped_after(days, drug=drug, daily_mg=daily - 1), trials, as_of=AS_OF)
        assert low.label == "inadequate"
        assert low.reasons == (f"dose {daily - 1} mg/day is below the {daily} mg/day target",)
    else:
        assert at_minimum.reasons[-1].startswith("dose not checked in mg/day; what counts: ")


# --- Boundaries and arithmetic --------------------------------------------------------------------------


def test_days_count_the_first_and_last_day(trials: MedicationTrials) -> None:
    trial = TrialFacts(drug="pregabalin", start=date(2026, 2, 1), stop=date(2026, 2, 28), dose_mg=150, times_per_day=2)
    result = assess(trial, trials, as_of=AS_OF)
    assert (result.days, result.daily_mg, result.label) == (28, 300, "adequate")


def test_dose_above_target_counts(trials: MedicationTrials) -> None:
    assert assess(stopped_after(28, drug="gabapentin", daily_mg=3600), trials, as_of=AS_OF).label == "adequate"


def test_drug_found_by_rxnorm_code(trials: MedicationTrials) -> None:
    result = assess(stopped_after(28, drug="25480", dose_mg=300, times_per_day=3), trials, as_of=AS_OF)
    assert result.label == "adequate" and result.target is not None and result.target.drug_id == "gabapentin"


def test_no_dose_recorded(trials: MedicationTrials) -> None:
    result = assess(stopped_after(30, drug="duloxetine"), trials, as_of=AS_OF)
    assert result.label == "inadequate"
    assert result.reasons == ("no dose recorded; an adequate trial needs at least 60 mg/day",)


# --- Not tolerated --------------------------------------------------------------------------------------


def test_stopped_for_side_effects_before_adequacy(trials: MedicationTrials) -> None:
    trial = stopped_after(10, drug="duloxetine", daily_mg=30, reason_stopped="side_effects", response="nausea")
    result = assess(trial, trials, as_of=AS_OF)
    assert result.label == "not_tolerated"
    assert result.reasons == (
        "stopped for side effects before an adequate trial (not tolerated; it still counts as tried)",
        "dose 30 mg/day is below the 60 mg/day target",
        "lasted 10 days; an adequate trial is at least 28 days at target dose",
        "response: nausea",
    )


def test_side_effects_after_an_adequate_trial_is_still_adequate(trials: MedicationTrials) -> None:
    result = assess(stopped_after(30, drug="duloxetine", daily_mg=60, reason_stopped="side_effects"), trials, as_of=AS_OF)
    assert result.label == "adequate"
    assert result.reasons[-1] == "stopped after an adequate trial (side effects)"


def test_stopped_early_for_cost_is_inadequate(trials: MedicationTrials) -> None:
    result = assess(stopped_after(20, drug="pregabalin", daily_mg=300, reason_stopped="cost"), trials, as_of=AS_OF)
    assert result.label == "inadequate"
    assert result.reasons == (
        "lasted 20 days; an adequate trial is at least 28 days at target dose",
        "stopped early (cost)",
    )


# --- In progress ----------------------------------------------------------------------------------------


def test_ongoing_at_target_but_not_long_enough(trials: MedicationTrials) -> None:
    trial = TrialFacts(drug="gabapentin", start=date(2026, 5, 1), dose_mg=300, times_per_day=3)
    result = assess(trial, trials, as_of=date(2026, 5, 14))
    assert result.label == "in_progress"
    assert result.days == 14
    assert result.reasons == (
        "14 days so far; an adequate trial is at least 28 days at target dose; adequate on 2026-05-28 if continued",
    )
    assert assess(trial, trials, as_of=date(2026, 5, 28)).label == "adequate"  # the day it says


def test_ongoing_below_target(trials: MedicationTrials) -> None:
    trial = TrialFacts(drug="gabapentin", start=date(2026, 5, 1), dose_mg=300, times_per_day=1)
    early = assess(trial, trials, as_of=date(2026, 5, 10))
    assert early.label == "in_progress"
    assert early.reasons[1] == "dose 300 mg/day is below the 900 mg/day target; the trial counts only once the dose reaches it"
    # Long enough, still too low: the time has passed at a dose that cannot make it adequate.
    late = assess(trial, trials, as_of=date(2026, 6, 30))
    assert late.label == "inadequate"
    assert late.reasons == ("dose 300 mg/day is below the 900 mg/day target",)


# --- Unknown drug ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("drug", ["meloxicam", "cyclobenzaprine", "41493"])
def test_unknown_drug_is_never_guessed(trials: MedicationTrials, drug: str) -> None:
    result = assess(stopped_after(60, drug=drug, dose_mg=15, times_per_day=1), trials, as_of=AS_OF)
    assert result.label == "unknown_drug"
    assert result.target is None
    assert result.reasons == (
        f"no adequate-trial definition for {drug!r} in the medication-trial packs, so this trial was not "
        "assessed; add the drug, with its sources, to a pack",
    )


# --- Facts that make no sense are refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dose_mg": 300}, "together"),
        ({"dose_mg": 300, "times_per_day": 3, "daily_mg": 900}, "not both"),
        ({"daily_mg": 0}, "greater than 0"),
        ({"stop": START - timedelta(days=1)}, "before start"),
        ({"reason_stopped": "side_effects"}, "needs a stop date"),
        ({"stop": START, "reason_stopped": "boredom"}, "unknown reason_stopped"),
    ],
)
def test_bad_facts(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrialFacts(drug="gabapentin", start=START, **kwargs)  # type: ignore[arg-type]


def test_as_of_must_not_precede_the_facts(trials: MedicationTrials) -> None:
    with pytest.raises(ValueError, match="before the trial started"):
        assess(TrialFacts(drug="gabapentin", start=START, daily_mg=900), trials, as_of=START - timedelta(days=1))
    with pytest.raises(ValueError, match="after as_of"):
        assess(stopped_after(30, drug="gabapentin", daily_mg=900), trials, as_of=START)
