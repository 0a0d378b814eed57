"""Why these exercises (issue 15 item 5): every PT protocol says, per emphasis, why in plain words with
its source; the new CRPS and hypermobility protocols (item 6) carry the content the issue names; a clinic
protocol without reasons, with a repeated focus or with a verified K reason is refused at its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge
from painpath.patients.models import Episode
from painpath.therapy.pages import protocol_choices

SOURCE = {"source": "clinic", "evidence": "K", "verified": False}
TOY: dict[str, Any] = {
    "pack": {"id": "clinic.pt_why", "kind": "pt_protocol", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
    "pt_protocols": [{
        "id": "why_toy", "name": "Why toy", "for": {"regions": ["knee"]}, "emphasis": "Walk more",
        "emphases": [{"focus": "Walking", "why": "Walking builds tolerance.", **SOURCE}],
        "phases": [{"name": "Only phase", "weeks": [1], "exercises": ["Walk"], "progression": "Walk further"}],
        "precautions": ["Stop if it hurts"],
        "frequency_per_week": {"value": 2, **SOURCE}, "duration_weeks": {"value": 1, **SOURCE}, "sources": [SOURCE],
    }],
}


def _load(tmp_path: Path, change):  # noqa: ANN001, ANN202
    data = copy.deepcopy(TOY)
    change(data["pt_protocols"][0])
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / "why_toy.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_knowledge(extra_dirs=[folder])


def _reasons(protocol_id: str) -> dict[str, str]:
    return {e.focus: e.why for e in load_knowledge().pt_protocols[protocol_id].emphases}


def test_every_shipped_protocol_gives_a_sourced_reason_for_each_emphasis() -> None:
    for protocol in load_knowledge().pt_protocols.values():
        assert protocol.emphases, protocol.id
        for emphasis in protocol.emphases:
            assert len(emphasis.why.split()) >= 10, (protocol.id, emphasis.focus)  # a sentence, not a label
            assert emphasis.source.strip(), (protocol.id, emphasis.focus)
            assert emphasis.evidence != "K" or not emphasis.verified


def test_the_reasons_the_issue_names_are_there_in_plain_words() -> None:
    lumbar = _reasons("lumbar_stabilization")
    assert "hips" in lumbar["Hip hinge and glute activation"] and "buttock" in lumbar["Hip hinge and glute activation"]
    assert "without moving it" in _reasons("rotator_cuff_isometric_start")["Isometrics first"]
    assert "more room for the nerves" in _reasons("lumbar_stenosis_flexion")["Flexion bias"]
    for protocol in load_knowledge().pt_protocols.values():  # words for the patient: no codes, no abbreviations
        for emphasis in protocol.emphases:
            assert not any(word in emphasis.why for word in ("ICD", "CPT", "MIC", "ROM", "CRPS", "HSD", "hEDS")), protocol.id


def test_graded_motor_imagery_runs_two_weeks_each_of_its_three_stages_from_moseleys_trials() -> None:
    protocol = load_knowledge().pt_protocols["graded_motor_imagery"]
    assert [(p.name, p.weeks) for p in protocol.phases] == [
        ("Left/right judgement", [1, 2]), ("Imagined movements", [3, 4]), ("Mirror movements", [5, 6])]
    assert protocol.duration_weeks.value == 6 and "Moseley" in protocol.duration_weeks.source
    assert [e.focus for e in protocol.emphases] == ["Left/right recognition", "Imagined movements", "Mirror movements"]
    assert protocol.fits(region="other", icd10_codes=["G90.521"]) and protocol.fits(region="shoulder", icd10_codes=["G56.41"])
    assert not protocol.fits(region="other", icd10_codes=["M79.7"])


def test_mirror_therapy_is_daily_for_four_weeks() -> None:
    protocol = load_knowledge().pt_protocols["mirror_therapy"]
    assert protocol.duration_weeks.value == 4 and "30 minutes" in protocol.duration_weeks.source
    assert "Never force movement of the affected limb" in protocol.precautions


def test_the_hypermobility_protocol_teaches_joint_protection_and_forbids_end_range_stretching() -> None:
    protocol = load_knowledge().pt_protocols["hypermobility_joint_protection"]
    assert {"Joint protection", "Proprioception (joint position sense)", "Low-load strengthening", "No end-range stretching"} == set(
        _reasons("hypermobility_joint_protection"))
    assert any(p.startswith("No end-range stretching") for p in protocol.precautions)
    assert any("Vascular Ehlers-Danlos" in p for p in protocol.precautions)
    exercises = " ".join(e for phase in protocol.phases for e in phase.exercises).lower()
    assert "stretch" not in exercises and "balance" in exercises and "joint protection" in exercises
    assert protocol.fits(region="knee", icd10_codes=["Q79.62"]) and protocol.fits(region="other", icd10_codes=["M35.7"])
    assert not protocol.fits(region="other", icd10_codes=["Q79.63"])  # vascular EDS: the physician's clearance first


def test_read_sources_name_a_public_source() -> None:
    for protocol_id in ("graded_motor_imagery", "mirror_therapy", "hypermobility_joint_protection"):
        protocol = load_knowledge().pt_protocols[protocol_id]
        for source in [*protocol.sources, *protocol.emphases]:
            if source.evidence in ("R", "S"):
                assert "http" in source.source or " et al" in source.source or "Moseley" in source.source, source.source
            assert "research/" not in source.source  # guideline names and URLs, never the project's notes


def test_the_prescribing_choices_put_the_episodes_diagnosis_first() -> None:
    knowledge = load_knowledge()
    crps_foot = Episode(body_region="other", icd10_codes=["G90.522"])
    first_two = [pid for pid, _ in protocol_choices(knowledge, crps_foot)[:2]]
    assert set(first_two) == {"graded_motor_imagery", "mirror_therapy"}
    hypermobile_knee = Episode(body_region="knee", icd10_codes=["M35.7"])
    assert protocol_choices(knowledge, hypermobile_knee)[0][0] == "hypermobility_joint_protection"


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda p: p.pop("emphases"), "pt_protocols[0].emphases", "Field required"),
    (lambda p: p.update(emphases=[]), "pt_protocols[0].emphases", "at least 1"),
    (lambda p: p["emphases"][0].update(evidence="K", verified=True), "pt_protocols[0].emphases[0]", "verified: false"),
    (lambda p: p["emphases"][0].pop("source"), "pt_protocols[0].emphases[0].source", "Field required"),
    (lambda p: p["emphases"].append(dict(p["emphases"][0], focus="walking")), "pt_protocols[0]", "listed once"),
])
def test_a_protocol_without_a_proper_reason_is_refused_at_its_path(tmp_path: Path, change, path: str, message: str) -> None:  # noqa: ANN001
    with pytest.raises(PackError) as info:
        _load(tmp_path, change)
    assert info.value.path == path, str(info.value)
    assert message in info.value.message, info.value.message


def test_a_clinic_protocol_with_reasons_loads(tmp_path: Path) -> None:
    assert _load(tmp_path, lambda p: None).pt_protocols["why_toy"].emphases[0].focus == "Walking"
