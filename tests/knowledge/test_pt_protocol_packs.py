"""PT protocol packs (kind `pt_protocol`): the shipped protocols say something specific (and why, per
emphasis), and a bad clinic protocol is refused at load with the file and the path inside it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.knowledge import PackError, load_knowledge

SHIPPED = {
    "lumbar_stabilization", "lumbar_stenosis_flexion", "patellofemoral_hip_foot", "cervical_traction_glides",
    "rotator_cuff_isometric_start", "hip_labral_tear",
    "graded_motor_imagery", "mirror_therapy", "hypermobility_joint_protection",  # issue 15
}
ISSUE_6 = SHIPPED - {"graded_motor_imagery", "mirror_therapy", "hypermobility_joint_protection"}
TOY: dict[str, Any] = {
    "pack": {"id": "clinic.pt_toy", "kind": "pt_protocol", "version": 1, "effective_date": "2026-01-01", "last_verified": "2026-11-01"},
    "pt_protocols": [{
        "id": "toy_protocol", "name": "Toy protocol", "for": {"regions": ["lumbar"]}, "emphasis": "Walk more",
        "emphases": [{"focus": "Walking", "why": "Walking feeds the discs.", "source": "clinic", "evidence": "K", "verified": False}],
        "phases": [{"name": "Only phase", "weeks": [1, 2], "exercises": ["Walk"], "progression": "Walk further"}],
        "precautions": ["Stop if it hurts"],
        "frequency_per_week": {"value": 2, "source": "clinic default", "evidence": "K", "verified": False},
        "duration_weeks": {"value": 2, "source": "clinic default", "evidence": "K", "verified": False},
        "sources": [{"source": "clinic", "evidence": "K", "verified": False}],
    }],
}


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / "toy_pt.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def _toy(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(TOY)
    data["pt_protocols"][0].update(changes)
    return data


def test_the_protocols_of_issues_6_and_15_ship() -> None:
    assert set(load_knowledge().pt_protocols) == SHIPPED


def test_lumbar_stabilization_progresses_from_the_big_three_to_dead_bugs_over_four_weeks() -> None:
    protocol = load_knowledge().pt_protocols["lumbar_stabilization"]
    first, second = protocol.phases[0], protocol.phases[1]
    first_words = " ".join(first.exercises).lower()
    assert all(name in first_words for name in ("curl-up", "side bridge", "bird dog"))
    assert "dead bug" in " ".join(second.exercises).lower()
    assert second.weeks[-1] == 4
    assert "Avoid repeated extension if symptomatic" in protocol.precautions
    assert (protocol.frequency_per_week.value, protocol.duration_weeks.value) == (2, 6)


def test_each_protocol_has_its_specific_emphasis() -> None:
    protocols = load_knowledge().pt_protocols
    assert "flexion" in protocols["lumbar_stenosis_flexion"].emphasis.lower()
    assert "Avoid repeated extension if symptomatic" in protocols["lumbar_stenosis_flexion"].precautions
    patellofemoral = protocols["patellofemoral_hip_foot"].emphasis.lower()
    assert "hip abductor" in patellofemoral and "foot" in patellofemoral
    cervical = " ".join(protocols["cervical_traction_glides"].phases[0].exercises).lower()
    assert "traction" in cervical and "nerve slider" in cervical
    assert "isometric" in protocols["rotator_cuff_isometric_start"].phases[0].name.lower()
    assert "hip-focused" in protocols["hip_labral_tear"].emphasis.lower()


def test_content_not_in_the_clinical_research_is_tagged_k_and_not_verified() -> None:
    protocols = load_knowledge().pt_protocols
    for protocol_id in ISSUE_6:
        for source in protocols[protocol_id].sources:
            assert (source.evidence, source.verified) == ("K", False), protocol_id


def test_protocols_match_episodes_by_diagnosis_or_region() -> None:
    protocols = load_knowledge().pt_protocols
    assert protocols["lumbar_stenosis_flexion"].fits(region="lumbar", icd10_codes=["M48.062"])
    assert not protocols["lumbar_stenosis_flexion"].fits(region="cervical", icd10_codes=["M54.12"])
    assert protocols["cervical_traction_glides"].fits(region="cervical", icd10_codes=["M54.12"])


def test_a_valid_clinic_protocol_loads(tmp_path: Path) -> None:
    assert load_knowledge(extra_dirs=[_write(tmp_path, _toy())]).pt_protocols["toy_protocol"].name == "Toy protocol"


@pytest.mark.parametrize(("changes", "path", "message"), [
    ({"frequency_per_week": {"value": 2, "source": "x", "evidence": "K", "verified": True}}, "pt_protocols[0].frequency_per_week",
     "verified: false"),
    ({"phases": [{"name": "Late", "weeks": [3], "exercises": ["Walk"], "progression": "x"}]}, "pt_protocols[0]", "course lasts 2 weeks"),
    ({"precautions": []}, "pt_protocols[0].precautions", ""),
    ({"frequency": 2}, "pt_protocols[0].frequency", ""),
])
def test_a_bad_protocol_is_refused_with_its_path(tmp_path: Path, changes: dict, path: str, message: str) -> None:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[_write(tmp_path, _toy(**changes))])
    assert info.value.path == path, str(info.value)
    assert message in info.value.message
    assert info.value.file.name == "toy_pt.yaml"


def test_a_clinic_cannot_redefine_a_shipped_protocol(tmp_path: Path) -> None:
    with pytest.raises(PackError) as info:
        load_knowledge(extra_dirs=[_write(tmp_path, _toy(id="lumbar_stabilization"))])
    assert "duplicate pt_protocols entry id 'lumbar_stabilization'" in info.value.message
