"""Pathway packs: the shipped pathways load with their cross-references; a bad one is refused with its
file and the exact path inside it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge

SHIPPED = {
    "facet_low_back_pain", "lumbar_radicular_pain", "cervical_radiculopathy", "lumbar_stenosis", "knee_osteoarthritis",
    "si_joint_pain", "crps", "spinal_cord_stimulation", "hip_labral",
    "crps_upper_limb", "crps_lower_limb", "hypermobility", "persistent_postsurgical_pain",  # issue 15
}
SRC = {"source": "test", "evidence": "R", "verified": True}
GOOD: dict[str, Any] = {
    "pack": {"id": "clinic.toy_pathway", "kind": "pathway", "version": 3, "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
    "pathways": [{
        "id": "toy_pathway", "name": "Toy pathway", "summary": "Try, then block.", **SRC,
        "applies_to": {"body_regions": ["cervical"], "icd10_prefixes": ["M54.1"]},
        "steps": [
            {"id": "program", "name": "Program", "kind": "conservative", "what": "Exercise.",
             "trial": {"length": 6, "unit": "weeks", **SRC},
             "success": {"words": "Better.", "measures": [
                 {"type": "instrument_change", "instrument": "ndi"},
                 {"type": "pain_at_most", "at_most": 4, **SRC}]},
             "on_success": "maintain", "on_failure": "block"},
            {"id": "block", "name": "Block", "kind": "procedure", "what": "Injection.", "procedure_id": "tfesi_cervical",
             "success": {"words": "Relief.", "measures": [{"type": "relief_percent", "at_least": 50, **SRC}]},
             "on_success": "maintain", "on_failure": "discharge"},
        ],
    }],
}


def write(tmp_path: Path, pack: dict[str, Any], name: str = "toy_pathway.yaml") -> Path:
    directory = tmp_path / "clinic"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(yaml.safe_dump(pack, sort_keys=False))
    return directory


def refused(tmp_path: Path, change) -> PackError:  # noqa: ANN001
    pack = copy.deepcopy(GOOD)
    change(pack)
    with pytest.raises(PackError) as caught:
        load_knowledge([write(tmp_path, pack)])
    assert caught.value.file.name == "toy_pathway.yaml"
    return caught.value


def test_every_shipped_pathway_loads_with_its_steps_and_version():
    knowledge = load_knowledge()
    assert set(knowledge.pathways) == SHIPPED
    cervical = knowledge.pathways["cervical_radiculopathy"]
    program = cervical.first_step
    assert (program.id, program.trial.days, program.on_failure) == ("structured_program", 42, "cervical_block")
    assert cervical.step("cervical_block").procedure_id == "tfesi_cervical"
    scs = knowledge.pathways["spinal_cord_stimulation"].step("stimulator_trial")
    assert (scs.trial.shortest, scs.trial.length, scs.trial.unit) == (5, 7, "days")
    assert [m.type for m in scs.success.measures] == ["relief_percent", "medication_use", "instrument_change"]
    assert knowledge.pathway_versions["cervical_radiculopathy"] == 1


def test_every_shipped_next_step_and_procedure_resolves():
    knowledge = load_knowledge()
    for pathway in knowledge.pathways.values():
        ids = {s.id for s in pathway.steps}
        for step in pathway.steps:
            assert {step.on_success, step.on_failure} <= ids | {"maintain", "discharge"}, (pathway.id, step.id)
            assert step.procedure_id is None or step.procedure_id in knowledge.procedures
            assert step.pt_protocol_id is None or step.pt_protocol_id in knowledge.pt_protocols, (pathway.id, step.id)


def test_a_clinic_pathway_loads_next_to_the_shipped_ones(tmp_path):
    knowledge = load_knowledge([write(tmp_path, GOOD)])
    assert knowledge.pathways["toy_pathway"].step("block").name == "Block"
    assert knowledge.pathway_versions["toy_pathway"] == 3


def test_unknown_next_step_is_refused_at_its_path(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][0].update(on_failure="blok"))
    assert error.path == "pathways[0].steps[0].on_failure"
    assert "unknown next step 'blok'" in error.message and "block" in error.message


def test_unknown_procedure_is_refused_at_its_path(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][1].update(procedure_id="tfesi_cervicle"))
    assert error.path == "pathways[0].steps[1].procedure_id"
    assert "unknown procedure id 'tfesi_cervicle'" in error.message


def test_unknown_pt_protocol_is_refused_at_its_path(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][0].update(pt_protocol_id="cervical_traction_nerve_glides"))
    assert error.path == "pathways[0].steps[0].pt_protocol_id"
    assert "unknown pt_protocol id 'cervical_traction_nerve_glides'" in error.message and "cervical_traction_glides" in error.message


def test_unknown_instrument_is_refused_at_its_path(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][0]["success"]["measures"][0].update(instrument="ndx"))
    assert error.path == "pathways[0].steps[0].success.measures[0].instrument"
    assert "unknown instrument id 'ndx'" in error.message


def test_an_instrument_without_a_minimal_important_change_cannot_be_measured_against_one(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][0]["success"]["measures"][0].update(instrument="ort"))
    assert error.path == "pathways[0].steps[0].success.measures[0].instrument"
    assert "no minimal important change" in error.message


def test_a_number_marked_K_cannot_be_verified(tmp_path):
    def mark(p: dict) -> None:
        p["pathways"][0]["steps"][0]["trial"].update(evidence="K", verified=True)
    error = refused(tmp_path, mark)
    assert error.path.startswith("pathways[0].steps[0].trial")
    assert "verified: false" in error.message


def test_a_number_without_its_source_is_refused(tmp_path):
    def strip(p: dict) -> None:
        del p["pathways"][0]["steps"][0]["success"]["measures"][1]["source"]
    error = refused(tmp_path, strip)
    assert error.path == "pathways[0].steps[0].success.measures[1].pain_at_most.source"


def test_a_procedure_step_without_a_procedure_and_duplicate_steps_are_refused(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][1].pop("procedure_id"))
    assert error.path.startswith("pathways[0].steps[1]") and "procedure_id" in error.message
    duplicate = refused(tmp_path, lambda p: p["pathways"][0]["steps"][1].update(id="program"))
    assert duplicate.path == "pathways[0].steps[1].id" and "duplicate step id 'program'" in duplicate.message


def test_a_misspelt_measure_type_is_refused(tmp_path):
    error = refused(tmp_path, lambda p: p["pathways"][0]["steps"][0]["success"]["measures"][1].update(type="pain_below"))
    assert error.path.startswith("pathways[0].steps[0].success.measures[1]")


def test_a_pathway_id_defined_twice_is_refused(tmp_path):
    pack = copy.deepcopy(GOOD)
    pack["pathways"][0]["id"] = "cervical_radiculopathy"
    with pytest.raises(PackError) as caught:
        load_knowledge([write(tmp_path, pack)])
    assert caught.value.path == "pathways[0].id" and "duplicate" in caught.value.message


def test_an_unknown_referral_specialty_is_refused_at_its_path(tmp_path):
    """A referral step names a specialty of the referral specialties pack: a misspelt one would open a form
    with no specialty chosen, so the pack is refused."""
    shipped = yaml.safe_load((Path(__file__).resolve().parents[2] / "src/painpath/knowledge/packs/pathways/hip_labral.yaml").read_text())
    shipped["pack"]["id"] = "clinic.toy_pathway"
    shipped["pathways"][0]["id"] = "toy_hip"
    index = next(i for i, step in enumerate(shipped["pathways"][0]["steps"]) if step.get("referral"))
    shipped["pathways"][0]["steps"][index]["referral"]["specialty"] = "orthopaedic_surgery"
    with pytest.raises(PackError) as caught:
        load_knowledge([write(tmp_path, shipped)])
    assert caught.value.path == f"pathways[0].steps[{index}].referral.specialty"
    assert "unknown referral_specialty id 'orthopaedic_surgery'" in caught.value.message and "orthopedics" in caught.value.message
