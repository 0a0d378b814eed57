"""The medication-trial pack: its numbers match research section 4, and a bad one is refused with file and path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge
from painpath.knowledge.schemas import MedicationTrials

RESEARCH = "shared/research/clinical.md"

HEADER = {"kind": "medication_trials", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"}

DRUG: dict[str, Any] = {
    "id": "test_drug",
    "name": "test drug",
    "drug_class": "test_class",
    "route": "oral",
    "rxnorm": {"code": "999999901", "source": "test", "evidence": "K", "verified": False},
    "reference_dose": {"text": "10-20 mg/day", "low_mg": 10, "high_mg": 20, "source": "test", "evidence": "R", "verified": True},
    "adequate_trial": {
        "min_daily_mg": {"value": 10, "source": "test", "evidence": "R", "verified": True},
        "min_days": {"value": 28, "source": "test", "evidence": "K", "verified": False},
    },
}

RULE: dict[str, Any] = {
    "min_daily_mg": 1800,
    "min_days": 42,
    "wording": "test wording",
    "source": "test policy",
    "evidence": "K",
    "verified": False,
}


def drug(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(DRUG), **overrides}


def write(directory: Path, name: str, drugs: list[dict[str, Any]], payer_overrides: Any = None) -> Path:
    file = directory / name
    pack: dict[str, Any] = {"pack": {**HEADER, "id": f"clinic.{file.stem}"}, "drugs": drugs}
    if payer_overrides is not None:
        pack["payer_overrides"] = payer_overrides
    file.write_text(yaml.safe_dump(pack, sort_keys=False), encoding="utf-8")
    return file


def refused(directory: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[directory])
    return info.value


@pytest.fixture(scope="module")
def trials() -> MedicationTrials:
    loaded = load_knowledge().medication_trials
    assert loaded is not None
    return loaded


# --- The shipped pack --------------------------------------------------------------------------------

# (drug id, min mg/day or None, min days, reference low, reference high, the research line it comes from)
SECTION_4 = [
    # clinical.md:418 gabapentin 1200-3600 mg (NeuPSIG); J4 clinic default 300 mg TID for a month
    ("gabapentin", 900, 28, 1200, 3600),
    # clinical.md:419 pregabalin 300-600 mg [R], 4 weeks [K Dworkin]
    ("pregabalin", 300, 28, 300, 600),
    # clinical.md:420 duloxetine 60-120 mg [R], 4 weeks at 60 mg [K Dworkin]
    ("duloxetine", 60, 28, 60, 120),
    # clinical.md:421 venlafaxine XR 150-225 mg [R], 4-6 weeks [K]
    ("venlafaxine_xr", 150, 28, 150, 225),
    # clinical.md:422 amitriptyline / nortriptyline 25-150 mg [R], 6-8 weeks [K Dworkin]
    ("amitriptyline", 25, 42, 25, 150),
    ("nortriptyline", 25, 42, 25, 150),
    # clinical.md:423 lidocaine 5% patch, 1-3 patches [R], 3 weeks [K Dworkin]
    ("lidocaine_5_patch", None, 21, None, None),
    # clinical.md:424 capsaicin 8% patch, reassess at 12 weeks [K]
    ("capsaicin_8_patch", None, 84, None, None),
    # clinical.md:425 capsaicin 0.075% cream QID, 4-6 weeks [K]
    ("capsaicin_cream", None, 28, None, None),
    # clinical.md:428 topical NSAID (diclofenac) label dosing, 2-4 weeks [K]
    ("diclofenac_topical", None, 14, None, None),
    # clinical.md:426 tramadol 200-400 mg [R], 4 weeks [K Dworkin]
    ("tramadol", 200, 28, 200, 400),
    # clinical.md:427 NSAIDs: naproxen 500 mg BID, ibuprofen 400-800 mg TID [K]; 2-4 weeks [K]
    ("naproxen", 1000, 14, 1000, None),
    ("ibuprofen", 1200, 14, 1200, 2400),
]


def test_every_drug_of_section_4_and_nothing_else(trials: MedicationTrials) -> None:
    assert sorted(trials.drugs) == sorted(row[0] for row in SECTION_4)
    assert trials.payer_overrides == {}  # no payer's own drug wording was found in the research


@pytest.mark.parametrize(("drug_id", "min_mg", "min_days", "low", "high"), SECTION_4, ids=[r[0] for r in SECTION_4])
def test_numbers_match_research(
    trials: MedicationTrials, drug_id: str, min_mg: float | None, min_days: int, low: float | None, high: float | None
) -> None:
    entry = trials.drugs[drug_id]
    rule = entry.adequate_trial
    assert (rule.min_daily_mg.value if rule.min_daily_mg else None) == min_mg
    assert rule.min_days.value == min_days
    assert (entry.reference_dose.low_mg, entry.reference_dose.high_mg) == (low, high)
    if min_mg is None:
        assert rule.dose_rule  # patches and creams say in words what dose counts
    for sourced in (rule.min_daily_mg, rule.min_days, entry.reference_dose, entry.rxnorm):
        if sourced is not None:
            assert sourced.source.strip()
            assert not (sourced.evidence == "K" and sourced.verified)


def test_unverified_durations_stay_unverified(trials: MedicationTrials) -> None:
    # Every duration in section 4 is K (Dworkin's table was not re-read), or the clinic's own default.
    assert {d.adequate_trial.min_days.evidence for d in trials.drugs.values()} == {"K"}
    assert not any(d.adequate_trial.min_days.verified for d in trials.drugs.values())


def test_gabapentin_default_is_the_clinics_and_says_so(trials: MedicationTrials) -> None:
    dose = trials.drugs["gabapentin"].adequate_trial.min_daily_mg
    assert dose is not None and dose.evidence == "K" and not dose.verified
    assert "J4" in dose.source and "Clinic default" in dose.source


def test_found_by_rxnorm_code(trials: MedicationTrials) -> None:
    found = trials.drug("25480")
    assert found is not None and found.id == "gabapentin"
    assert trials.drug("GABAPENTIN ") is not None
    assert trials.drug("meloxicam") is None  # not in section 4: never guessed


# --- Clinic packs ----------------------------------------------------------------------------------


def test_clinic_pack_adds_a_drug_and_a_payer_rule(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [drug()], {"bcbs_commercial": {"gabapentin": RULE, "test_drug": {**RULE, "min_daily_mg": 20}}})
    trials = load_knowledge(extra_dirs=[tmp_path]).medication_trials
    assert trials is not None
    assert trials.drug("999999901").id == "test_drug"  # type: ignore[union-attr]
    rule = trials.payer_rule("bcbs_commercial", "gabapentin")
    assert rule is not None and rule.wording == "test wording" and rule.min_daily_mg == 1800
    assert trials.payer_rule("aetna_commercial", "gabapentin") is None


def test_override_naming_an_unknown_payer(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [], {"acme_health": {"gabapentin": RULE}})
    err = refused(tmp_path)
    assert err.file.name == "clinic.yaml"
    assert err.path == "payer_overrides.acme_health"
    assert "unknown payer id 'acme_health'" in err.message and "bcbs_commercial" in err.message


def test_override_naming_an_unknown_drug(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [], {"bcbs_commercial": {"meloxicam": RULE}})
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "payer_overrides.bcbs_commercial.meloxicam")
    assert "unknown drug id 'meloxicam'" in err.message


def test_override_in_mg_for_a_patch(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [], {"bcbs_commercial": {"lidocaine_5_patch": RULE}})
    err = refused(tmp_path)
    assert err.path == "payer_overrides.bcbs_commercial.lidocaine_5_patch.min_daily_mg"
    assert "not dosed in mg/day" in err.message


def test_override_without_wording(tmp_path: Path) -> None:
    rule = {k: v for k, v in RULE.items() if k != "wording"}
    write(tmp_path, "clinic.yaml", [], {"bcbs_commercial": {"gabapentin": rule}})
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "payer_overrides.bcbs_commercial.gabapentin.wording")
    assert "Field required" in err.message


def test_override_with_no_numbers(tmp_path: Path) -> None:
    rule = {k: v for k, v in RULE.items() if k not in ("min_daily_mg", "min_days")}
    write(tmp_path, "clinic.yaml", [], {"bcbs_commercial": {"gabapentin": rule}})
    err = refused(tmp_path)
    assert err.path == "payer_overrides.bcbs_commercial.gabapentin"
    assert "min_daily_mg, min_days or both" in err.message


def test_same_payer_rule_twice(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", [], {"bcbs_commercial": {"gabapentin": RULE}})
    write(tmp_path, "b.yaml", [], {"bcbs_commercial": {"gabapentin": RULE}})
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("b.yaml", "payer_overrides.bcbs_commercial.gabapentin")
    assert "duplicate payer override" in err.message and "a.yaml" in err.message


def test_redefining_a_shipped_drug(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [drug(id="gabapentin", rxnorm=None)])
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "drugs[0].id")
    assert "duplicate drugs entry id 'gabapentin'" in err.message


def test_rxnorm_code_of_a_shipped_drug(tmp_path: Path) -> None:
    bad = drug()
    bad["rxnorm"]["code"] = "25480"
    write(tmp_path, "clinic.yaml", [bad])
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "drugs[0].rxnorm.code")
    assert "25480" in err.message and "medication_trials.yaml" in err.message


def test_unverified_number_marked_verified(tmp_path: Path) -> None:
    bad = drug()
    bad["adequate_trial"]["min_days"]["verified"] = True  # evidence stays K
    write(tmp_path, "clinic.yaml", [bad])
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", "drugs[0].adequate_trial.min_days")
    assert "evidence K" in err.message


@pytest.mark.parametrize(
    ("where", "value", "path", "text"),
    [
        ("min_daily_mg", {"value": 0, "source": "x", "evidence": "R", "verified": True}, "adequate_trial.min_daily_mg.value", "greater than 0"),
        ("min_daily_mg", {"value": "900", "source": "x", "evidence": "R", "verified": True}, "adequate_trial.min_daily_mg.value", "valid number"),
        ("min_days", {"value": 2.5, "source": "x", "evidence": "K", "verified": False}, "adequate_trial.min_days.value", "valid integer"),
        ("min_days", {"value": 28, "evidence": "K", "verified": False}, "adequate_trial.min_days.source", "Field required"),
    ],
    ids=["zero-dose", "dose-as-text", "fractional-days", "days-without-source"],
)
def test_bad_numbers(tmp_path: Path, where: str, value: Any, path: str, text: str) -> None:
    bad = drug()
    bad["adequate_trial"][where] = value
    write(tmp_path, "clinic.yaml", [bad])
    err = refused(tmp_path)
    assert (err.file.name, err.path) == ("clinic.yaml", f"drugs[0].{path}")
    assert text in err.message


def test_neither_dose_nor_dose_rule(tmp_path: Path) -> None:
    bad = drug()
    del bad["adequate_trial"]["min_daily_mg"]
    write(tmp_path, "clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.path == "drugs[0].adequate_trial"
    assert "dose_rule" in err.message


def test_reference_range_out_of_order(tmp_path: Path) -> None:
    bad = drug()
    bad["reference_dose"]["low_mg"] = 30
    write(tmp_path, "clinic.yaml", [bad])
    err = refused(tmp_path)
    assert err.path == "drugs[0].reference_dose"
    assert "greater than high_mg" in err.message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "clinic.yaml", [drug(min_weeks=4)])
    err = refused(tmp_path)
    assert err.path == "drugs[0].min_weeks"


def test_a_clinic_drug_takes_the_shipped_target_limits_and_a_set_without_any_is_refused(tmp_path: Path) -> None:
    from painpath.knowledge.loader import _with_target_limits  # the merge step, on a pack set with no limits at all

    write(tmp_path, "clinic.yaml", [drug()])
    trials = load_knowledge(extra_dirs=[tmp_path]).medication_trials
    assert trials is not None
    shipped, added = trials.drugs["gabapentin"], trials.drug("999999901")
    assert added is not None and added.limits == shipped.limits and shipped.limits is not None
    assert shipped.limits.max_titration_steps.value == 40 and shipped.limits.max_titration_steps.verified is False
    with pytest.raises(PackError, match="target_limits"):
        _with_target_limits([], {"test_drug": added.model_copy(update={"limits": None})})
