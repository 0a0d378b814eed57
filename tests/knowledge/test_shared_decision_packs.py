"""Shared decisions in the packs: the pathway steps that offer options (knee injections, the stimulator trial,
radiofrequency ablation) give each option its benefits, risks, what the patient must do and a source; the
stimulator trial policies' kit item names risks the trial option carries. A bad decision block or a kit item
naming a risk no option has is refused at load, at its exact path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge

KNOWLEDGE = load_knowledge()
# The steps the issue names: knee injection choice, stimulator trial, ablation.
DECISION_STEPS = {
    ("knee_osteoarthritis", "steroid_injection"): {"steroid_injection", "hyaluronic_acid", "no_injection"},
    ("spinal_cord_stimulation", "stimulator_trial"): {"stimulator_trial", "continue_current_care"},
    ("facet_low_back_pain", "ablation"): {"ablation", "no_ablation"},
}
SCS_RISKS = {"lead_migration", "infection", "device_maintenance", "mri_conditions"}


def _decisions():
    for pathway in KNOWLEDGE.pathways.values():
        for step in pathway.steps:
            if step.decision is not None:
                yield pathway, step


def test_the_steps_with_options_offer_them():
    found = {(p.id, s.id): {o.id for o in s.decision.options} for p, s in _decisions()}
    for key, options in DECISION_STEPS.items():
        assert found.get(key) == options, key


def test_every_option_has_benefits_risks_duties_and_a_source():
    options = [o for _p, s in _decisions() for o in s.decision.options]
    assert len(options) >= 7
    for option in options:
        assert option.benefits and all(b.strip() for b in option.benefits), option.id
        assert option.risks and all(r.name.strip() and r.words.strip() for r in option.risks), option.id
        assert option.patient_duties and all(d.strip() for d in option.patient_duties), option.id
        assert option.source.strip() and option.evidence in ("R", "V", "S", "K"), option.id
        assert not (option.evidence == "K" and option.verified), option.id


def test_procedure_options_lead_to_catalogue_procedures():
    knee = KNOWLEDGE.pathways["knee_osteoarthritis"].step("steroid_injection").decision
    assert knee.option("steroid_injection").procedure_id == "knee_steroid_injection"
    assert knee.option("hyaluronic_acid").procedure_id == "knee_hyaluronic_acid"
    assert knee.option("no_injection").procedure_id is None
    for _p, step in _decisions():
        for option in step.decision.options:
            assert option.procedure_id is None or option.procedure_id in KNOWLEDGE.procedures


def test_the_stimulator_trial_option_carries_the_risks_payers_ask_to_discuss():
    trial = KNOWLEDGE.pathways["spinal_cord_stimulation"].step("stimulator_trial").decision.option("stimulator_trial")
    assert SCS_RISKS <= {r.id for r in trial.risks}
    # The device labelling (and the Medicare contractor's checklist) are named where the words come from.
    assert "labelling" in trial.source and "palmettogba" in trial.source


def test_every_stimulator_trial_policy_with_criteria_asks_for_the_risk_conversation():
    policies = [p for p in KNOWLEDGE.policies.values() if "scs_trial" in p.procedures and p.criteria]
    assert {p.id for p in policies} >= {"medicare_scs_trial", "ma_scs_trial", "typical_scs_trial"}
    for policy in policies:
        (item,) = [c for c in policy.criteria if c.type == "shared_decision"]
        assert {r.id for r in item.risks} == SCS_RISKS, policy.id
        assert item.source.strip()
    typical = next(c for c in KNOWLEDGE.policies["typical_scs_trial"].criteria if c.type == "shared_decision")
    assert (typical.evidence, typical.verified) == ("K", False)  # no commercial policy read: unconfirmed


# Bad packs ------------------------------------------------------------------------------------------

SRC = {"source": "test", "evidence": "S", "verified": False}
OPTION = {"id": "inject", "name": "Inject", "procedure_id": "tfesi_cervical", "benefits": ["Relief."],
          "risks": [{"id": "flare", "name": "a flare", "words": "It may hurt more for a day."}], "patient_duties": ["Rest."], **SRC}
PATHWAY: dict[str, Any] = {
    "pack": {"id": "clinic.toy_decision", "kind": "pathway", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
    "pathways": [{
        "id": "toy_decision", "name": "Toy decision", "summary": "Decide.", **SRC,
        "applies_to": {"body_regions": ["cervical"]},
        "steps": [{"id": "block", "name": "Block", "kind": "procedure", "what": "Injection.", "procedure_id": "tfesi_cervical",
                   "decision": {"question": "Whether to inject", "options": [
                       OPTION, {**OPTION, "id": "wait", "name": "Wait", "procedure_id": None}]},
                   "on_success": "maintain", "on_failure": "discharge"}],
    }],
}


def _write(tmp_path: Path, name: str, pack: dict[str, Any]) -> Path:
    directory = tmp_path / "clinic"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(yaml.safe_dump(pack, sort_keys=False))
    return directory


def _refused(tmp_path: Path, change) -> PackError:  # noqa: ANN001
    pack = copy.deepcopy(PATHWAY)
    change(pack["pathways"][0]["steps"][0]["decision"])
    with pytest.raises(PackError) as caught:
        load_knowledge([_write(tmp_path, "toy_decision.yaml", pack)])
    return caught.value


def test_a_clinic_decision_block_loads(tmp_path):
    knowledge = load_knowledge([_write(tmp_path, "toy_decision.yaml", PATHWAY)])
    decision = knowledge.pathways["toy_decision"].step("block").decision
    assert [o.id for o in decision.options] == ["inject", "wait"]


@pytest.mark.parametrize("field", ["benefits", "risks", "patient_duties"])
def test_an_option_without_benefits_risks_or_duties_is_refused(tmp_path, field):
    error = _refused(tmp_path, lambda d: d["options"][0].update({field: []}))
    assert error.path.startswith(f"pathways[0].steps[0].decision.options[0].{field}")


def test_an_option_without_a_source_is_refused(tmp_path):
    error = _refused(tmp_path, lambda d: d["options"][0].pop("source"))
    assert error.path == "pathways[0].steps[0].decision.options[0].source"


def test_an_unconfirmed_option_cannot_be_verified(tmp_path):
    error = _refused(tmp_path, lambda d: d["options"][0].update(evidence="K", verified=True))
    assert "verified: false" in error.message


def test_one_option_is_no_decision_and_ids_must_differ(tmp_path):
    assert _refused(tmp_path, lambda d: d.update(options=d["options"][:1])).path.startswith("pathways[0].steps[0].decision.options")
    error = _refused(tmp_path, lambda d: d["options"][1].update(id="inject"))
    assert "duplicate option id inject" in error.message


def test_an_option_naming_an_unknown_procedure_is_refused_at_its_path(tmp_path):
    error = _refused(tmp_path, lambda d: d["options"][0].update(procedure_id="tfesi_cervicle"))
    assert error.path == "pathways[0].steps[0].decision.options[0].procedure_id"
    assert "unknown procedure id 'tfesi_cervicle'" in error.message


def test_a_kit_item_naming_a_risk_no_option_carries_is_refused_at_its_path(tmp_path):
    policy = {
        "pack": {"id": "clinic.toy_scs", "kind": "authorization_policy", "version": 1, "effective_date": "2026-01-01",
                 "last_verified": "2026-11-01"},
        "policies": [{
            "id": "toy_scs_trial", "name": "Toy: stimulator trial", "payers": ["medicaid_state_ffs"], "procedures": ["scs_trial"],
            "effective_from": "2026-01-01",
            "authorization_required": {"rule": "always", "note": "Always.", "source": "test", "evidence": "K", "verified": False},
            "criteria": [{"id": "talk", "type": "shared_decision", "label": "Risks discussed", "source": "test", "evidence": "K",
                          "verified": False, "risks": [{"id": "lead_migration", "name": "lead migration"},
                                                       {"id": "lead_migraton", "name": "typo"}]}],
        }],
    }
    with pytest.raises(PackError) as caught:
        load_knowledge([_write(tmp_path, "toy_scs.yaml", policy)])
    assert caught.value.path == "policies[0].criteria[0].risks[1].id"
    assert "lead_migraton" in caught.value.message and "mri_conditions" in caught.value.message
    policy["policies"][0]["criteria"][0]["risks"].pop()
    assert load_knowledge([_write(tmp_path, "toy_scs.yaml", policy)]).policies["toy_scs_trial"].criteria[0].risks[0].id == "lead_migration"
