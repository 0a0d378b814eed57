"""Authorization policy packs: the shipped ones load and cover the catalogue; bad ones are refused with the path."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.authorizations.criteria import find_policy
from painpath.knowledge import BUILTIN_PACKS_DIR, PackError, load_knowledge

HEADER = {"id": "clinic.policies", "kind": "authorization_policy", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"}

POLICY: dict[str, Any] = {
    "id": "acme_lumbar_tfesi",
    "name": "Acme commercial: lumbar TFESI",
    "payers": ["acme_commercial"],
    "procedures": ["tfesi_lumbar"],
    "effective_from": "2026-02-01",
    "authorization_required": {"rule": "always", "note": "Acme reviews it.", "source": "Acme policy 12", "evidence": "V", "verified": True},
    "criteria": [
        {
            "id": "pain_6_weeks",
            "type": "pain_duration",
            "label": "Pain for 6 weeks",
            "min": {"weeks": 6},
            "source": "Acme policy 12 section 3",
            "evidence": "V",
            "verified": True,
        },
        {
            "id": "spacing",
            "type": "min_interval",
            "label": "30 days apart",
            "procedures": ["tfesi_lumbar", "ilesi_lumbar"],
            "min": {"days": 30},
            "source": "Acme policy 12 section 4",
            "evidence": "S",
            "verified": False,
        },
    ],
    "exceptions": [
        {
            "id": "zoster",
            "label": "herpes zoster",
            "waives": ["pain_6_weeks"],
            "when": {"diagnoses": {"codes": ["B02.9"], "source": "Acme policy 12 section 5", "evidence": "V", "verified": True}},
            "source": "Acme policy 12 section 5",
            "evidence": "V",
            "verified": True,
        }
    ],
}


# The clinic's own payer, in its own payer pack: policies may name payers of any loaded pack.
ACME = {
    "id": "acme_commercial",
    "name": "Acme Commercial",
    "plan_type": "commercial",
    "decision_clock": {
        "standard": {"amount": 15, "unit": "calendar_days", "source": "contract 4.2", "evidence": "K", "verified": False},
        "expedited": {"amount": 72, "unit": "hours", "source": "contract 4.3", "evidence": "K", "verified": False},
    },
    "business_calendar": {"veterans_day_is_business_day": True, "reason": "private insurer"},
}


def write(tmp_path: Path, *policies: dict[str, Any], name: str = "acme.yaml") -> Path:
    payers = {"pack": {**HEADER, "id": "clinic.payers", "kind": "payers"}, "payers": [ACME]}
    (tmp_path / "acme_payer.yaml").write_text(yaml.safe_dump(payers, sort_keys=False), encoding="utf-8")
    file = tmp_path / name
    file.write_text(yaml.safe_dump({"pack": HEADER, "policies": list(policies)}, sort_keys=False), encoding="utf-8")
    return file


def policy(**overrides: Any) -> dict[str, Any]:
    return {**copy.deepcopy(POLICY), **overrides}


def refused(tmp_path: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[tmp_path])
    return info.value


# --- the shipped packs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def test_every_procedure_has_a_medicare_and_a_typical_commercial_policy(knowledge) -> None:
    on = date(2026, 1, 8)
    for procedure_id in knowledge.procedures:
        medicare = find_policy(knowledge, "medicare_noridian_jf", procedure_id, on)
        typical = find_policy(knowledge, "cigna_commercial_evicore", procedure_id, on)
        assert medicare is not None and "medicare" in medicare.plan_types, procedure_id
        assert typical is not None and "cigna_commercial_evicore" in typical.payers, procedure_id


@pytest.mark.parametrize(
    ("payer_id", "procedure_id", "policy_id"),
    [
        ("aetna_commercial", "tfesi_lumbar", "typical_tfesi"),
        ("bcbs_commercial", "tfesi_cervical", "strict_esi_cervical_transforaminal"),
        ("bcbs_commercial", "mri_lumbar", "typical_mri_lumbar"),  # no strict rule: the plan-type policy
        ("uhc_commercial", "tfesi_lumbar", "loose_tfesi"),
        ("humana_ma", "rfa_lumbar", "ma_facet_rfa"),
        ("aetna_ma", "knee_hyaluronic_acid", "ma_knee_ha"),
        ("ca_workers_comp", "ilesi_lumbar", "wc_ca_esi"),
        ("medicare_cgs_j15", "pt_initial", "medicare_pt_initial"),
    ],
)
def test_payers_map_to_their_policy_family(knowledge, payer_id: str, procedure_id: str, policy_id: str) -> None:
    found = find_policy(knowledge, payer_id, procedure_id, date(2026, 1, 8))
    assert found is not None and found.id == policy_id


def test_medicare_pt_needs_no_prior_authorization_and_says_why(knowledge) -> None:
    rule = knowledge.policies["medicare_pt_initial"].authorization_required
    assert rule.rule == "never" and rule.evidence == "V" and "42 CFR 424.24" in rule.source


def test_medicare_advantage_reuses_the_medicare_criteria(knowledge) -> None:
    assert knowledge.policies["ma_facet_rfa"].criteria == knowledge.policies["medicare_facet_rfa"].criteria
    assert knowledge.policies["ma_facet_rfa"].authorization_required.rule == "always"
    assert knowledge.policies["medicare_facet_rfa"].authorization_required.places_of_service == ["19", "22"]


def test_si_fusion_medicare_criteria_are_unconfirmed(knowledge) -> None:
    criteria = knowledge.policies["medicare_si_fusion"].criteria
    assert criteria and all(c.evidence == "K" and c.verified is False for c in criteria)


def test_every_policy_file_says_where_its_numbers_come_from() -> None:
    files = sorted((BUILTIN_PACKS_DIR / "policies").glob("*.yaml"))
    assert len(files) >= 5
    for file in files:
        head = file.read_text(encoding="utf-8").split("pack:", 1)[0]
        assert "research/prior-auth.md" in head and "Where the numbers come from" in head, file.name


def test_find_policy_honours_effective_dates_and_payer_specific_beats_plan_type(tmp_path: Path) -> None:
    old = policy(id="acme_old", effective_from="2025-01-01", effective_to="2026-01-31")
    new = policy(id="acme_new", effective_from="2026-02-01")
    write(tmp_path, old, new)
    knowledge = load_knowledge(extra_dirs=[tmp_path])
    assert find_policy(knowledge, "acme_commercial", "tfesi_lumbar", date(2026, 1, 31)).id == "acme_old"
    assert find_policy(knowledge, "acme_commercial", "tfesi_lumbar", date(2026, 2, 1)).id == "acme_new"
    # Before the payer's own policy, and for procedures it has none for, the plan-type policy applies.
    assert find_policy(knowledge, "acme_commercial", "tfesi_lumbar", date(2024, 6, 1)).id == "typical_tfesi"
    assert find_policy(knowledge, "acme_commercial", "mri_lumbar", date(2026, 2, 1)).id == "typical_mri_lumbar"
    assert find_policy(knowledge, "uhc_commercial", "tfesi_lumbar", date(2026, 2, 1)).id == "loose_tfesi"
    assert find_policy(knowledge, "medicaid_state_ffs", "tfesi_lumbar", date(2026, 2, 1)) is None
    assert find_policy(knowledge, "no_such_payer", "tfesi_lumbar", date(2026, 2, 1)) is None


# --- refused packs -------------------------------------------------------------------------------------


def test_a_valid_clinic_policy_loads(tmp_path: Path) -> None:
    write(tmp_path, policy())
    knowledge = load_knowledge(extra_dirs=[tmp_path])
    loaded = knowledge.policies["acme_lumbar_tfesi"]
    assert [c.type for c in loaded.criteria] == ["pain_duration", "min_interval"]


def test_unknown_procedure(tmp_path: Path) -> None:
    write(tmp_path, policy(procedures=["tfesi_lumbar", "tfesi_lumber"]))
    err = refused(tmp_path)
    assert err.file.name == "acme.yaml"
    assert err.path == "policies[0].procedures[1]"
    assert "unknown procedure id 'tfesi_lumber'" in err.message and "tfesi_lumbar" in err.message


def test_unknown_procedure_inside_a_criterion(tmp_path: Path) -> None:
    bad = policy()
    bad["criteria"][1]["procedures"] = ["tfesi_lumbar", "epidural"]
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[1].procedures[1]"
    assert "unknown procedure id 'epidural'" in err.message


def test_unknown_payer(tmp_path: Path) -> None:
    write(tmp_path, policy(payers=["acme_health"]))
    err = refused(tmp_path)
    assert err.path == "policies[0].payers[0]"
    assert "unknown payer id 'acme_health'" in err.message


def test_unconfirmed_criterion_marked_verified(tmp_path: Path) -> None:
    bad = policy()
    bad["criteria"][0]["evidence"] = "K"  # verified stays true
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[0].pain_duration"
    assert "evidence K" in err.message and "verified: false" in err.message


def test_unknown_criterion_type(tmp_path: Path) -> None:
    bad = policy()
    bad["criteria"][0]["type"] = "pain_duraton"
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[0]"
    assert "'pain_duraton'" in err.message and "pain_duration" in err.message


def test_waiver_naming_an_unknown_criterion(tmp_path: Path) -> None:
    bad = policy()
    bad["exceptions"][0]["waives"] = ["pain_4_weeks"]
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].exceptions[0].waives[0]"
    assert "unknown criterion id 'pain_4_weeks'" in err.message and "pain_6_weeks" in err.message


def test_duplicate_criterion_id(tmp_path: Path) -> None:
    bad = policy()
    bad["criteria"][1]["id"] = "pain_6_weeks"
    write(tmp_path, bad)
    assert refused(tmp_path).path == "policies[0].criteria[1].id"


def test_span_needs_exactly_one_unit(tmp_path: Path) -> None:
    bad = policy()
    bad["criteria"][0]["min"] = {"weeks": 6, "days": 3}
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[0].pain_duration.min"
    assert "exactly one of days, weeks, months" in err.message


def test_place_of_service_rule_needs_places(tmp_path: Path) -> None:
    bad = policy()
    bad["authorization_required"]["rule"] = "places_of_service"
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].authorization_required"
    assert "places_of_service" in err.message


def test_policy_for_nobody(tmp_path: Path) -> None:
    write(tmp_path, policy(payers=[]))
    err = refused(tmp_path)
    assert err.path == "policies[0]"
    assert "payers or plan_types" in err.message


def test_two_policies_for_the_same_payer_and_procedure_at_once(tmp_path: Path) -> None:
    write(tmp_path, policy(), policy(id="acme_again", effective_from="2026-06-01"))
    err = refused(tmp_path)
    assert err.path == "policies[1]"
    assert "'acme_again'" in err.message and "'acme_lumbar_tfesi'" in err.message and "overlapping dates" in err.message


def test_a_clinic_policy_cannot_silently_compete_with_a_shipped_one(tmp_path: Path) -> None:
    write(tmp_path, policy(payers=["aetna_commercial"]))
    err = refused(tmp_path)
    assert err.path == "policies[0]"
    assert "'typical_tfesi' (commercial_typical.yaml at policies[3])" in err.message


# --- prior studies say how recent; exceptions name exact codes ---------------------------------------

IMAGING = {
    "id": "mri", "type": "imaging", "label": "MRI", "modalities": ["mri"],
    "recency": {"within": {"months": 12}, "since_onset": True, "source": "Acme policy 12 section 6", "evidence": "V", "verified": True},
    "source": "Acme policy 12 section 6", "evidence": "V", "verified": True,
}


def with_imaging(**recency_changes: Any) -> dict[str, Any]:
    bad = policy()
    criterion = copy.deepcopy(IMAGING)
    criterion["recency"].update(recency_changes)
    criterion["recency"] = {k: v for k, v in criterion["recency"].items() if v is not None}
    bad["criteria"].append(criterion)
    return bad


def with_diagnoses(**diagnoses: Any) -> dict[str, Any]:
    bad = policy()
    bad["exceptions"][0]["when"] = {"diagnoses": {**diagnoses, "source": "Acme policy 12 section 5", "evidence": "V", "verified": True}}
    return bad


def test_a_clinic_imaging_rule_with_its_recency_loads(tmp_path: Path) -> None:
    write(tmp_path, with_imaging())
    loaded = load_knowledge(extra_dirs=[tmp_path]).policies["acme_lumbar_tfesi"].criteria[2]
    assert loaded.recency.words() == "within the last 12 months and taken since this problem began"


def test_a_prior_study_rule_without_a_recency_is_refused(tmp_path: Path) -> None:
    bad = with_imaging()
    del bad["criteria"][2]["recency"]
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[2].imaging.recency"
    assert "Field required" in err.message


def test_a_recency_that_says_nothing_is_refused(tmp_path: Path) -> None:
    write(tmp_path, with_imaging(within=None, since_onset=False))
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[2].imaging.recency"
    assert "say how recent the study must be" in err.message


def test_any_age_cannot_be_mixed_with_a_window(tmp_path: Path) -> None:
    write(tmp_path, with_imaging(any_age=True))
    assert "any_age excludes within and since_onset" in refused(tmp_path).message


def test_the_old_loose_recency_keys_say_where_they_went(tmp_path: Path) -> None:
    bad = with_imaging()
    bad["criteria"][2]["within"] = {"months": 24}
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].criteria[2].imaging"
    assert "now go in recency" in err.message


def test_a_bare_code_family_is_refused(tmp_path: Path) -> None:
    bad = policy()
    bad["exceptions"][0]["when"] = {"diagnosis_code_prefixes": ["B02"]}
    write(tmp_path, bad)
    err = refused(tmp_path)
    assert err.path == "policies[0].exceptions[0].when"
    assert "B02.29" in err.message and "diagnoses" in err.message


@pytest.mark.parametrize(
    ("diagnoses", "words"),
    [
        ({"prefixes": ["S32"], "excluding": ["S32.1"]}, "String should match pattern"),  # a whole category
        ({"prefixes": ["S32.0"]}, "need excluding"),  # open-ended: nothing said about what is under it
        ({"prefixes": ["S32.0"], "excluding": ["S33.0"]}, "under none of the prefixes"),
        ({"codes": ["B02.99"]}, "B02.99 is not an ICD-10-CM code"),
        ({"codes": ["B02.2"]}, "B02.2 is a category, not a billable code"),
        ({}, "give codes"),
    ],
    ids=["category", "prefix-without-exclusions", "stray-exclusion", "unknown-code", "non-billable", "empty"],
)
def test_diagnosis_exceptions_must_be_exact_or_narrow(tmp_path: Path, diagnoses: dict[str, Any], words: str) -> None:
    write(tmp_path, with_diagnoses(**diagnoses))
    err = refused(tmp_path)
    assert err.path.startswith("policies[0].exceptions[0].when.diagnoses"), err.path
    assert words in err.message, err.message


def test_a_narrow_prefix_matches_its_codes_but_not_exclusions_or_sequelae(tmp_path: Path) -> None:
    write(tmp_path, with_diagnoses(prefixes=["S32.0"], excluding=["S32.05"]))
    diagnoses = load_knowledge(extra_dirs=[tmp_path]).policies["acme_lumbar_tfesi"].exceptions[0].when.diagnoses
    assert diagnoses.matches("S32.010A") and diagnoses.matches("s32010a")
    assert not diagnoses.matches("S32.010S")  # the sequela encounter of the same fracture
    assert not diagnoses.matches("S32.051A")  # excluded
    assert not diagnoses.matches("S32.10XA")  # another subcategory of the family
