"""Exam findings and the working diagnosis: vocabularies enforced, SI positives computed, never stored."""

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting.models import ExamFindings
from painpath.charting.rules import exam_problems, si_positive_count

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
EXAM = {
    "straight_leg_raise": {"left": {"result": "negative"}, "right": {"result": "positive", "angle_degrees": 45}},
    "facet_loading": {"left": "positive", "right": "positive"},
    "spurling": {"left": "not_tested", "right": "not_tested"},
    "fadir": {"left": "negative", "right": "negative"},
    "hip_internal_rotation_degrees": {"left": 35, "right": 30},
    "si_tests": {"distraction": "positive", "thigh_thrust": "positive", "compression": "negative",
                 "sacral_thrust": "positive", "gaenslen": "not_tested"},
    "motor_deficits": [{"level": "l5", "side": "right", "grade": 4}],
    "sensory_deficits": [{"dermatome": "L5", "side": "right", "finding": "diminished"}],
    "reflexes": {"patellar": {"left": 2, "right": 2}, "achilles": {"left": "normal", "right": "diminished"}},
    "diagnosis_codes": ["M47816"],
    "reasoning": "Extension-based pain with facet loading, no discogenic pattern on MRI",
}


@pytest.fixture
def note(client_for, patient_payload, episode_payload):  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        coordinator = client_for("coordinator")
        patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        clinician = client_for("clinician")
        note_id = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-12-07"}).json()["id"]
        yield clinician, note_id


def _rows(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ExamFindings))


def test_exam_and_hypothesis_are_recorded_with_the_si_count_computed(note, db):
    clinician, note_id = note
    saved = clinician.put(f"/api/encounters/{note_id}/exam", json=EXAM)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["si_positive_count"] == 3
    assert body["diagnosis_codes"] == ["M47.816"]
    assert body["findings"]["motor_deficits"] == [{"level": "L5", "side": "right", "grade": 4}]
    assert body["reasoning"] == EXAM["reasoning"]
    with db.session() as session:
        stored = session.scalar(select(ExamFindings))
        assert "si_positive_count" not in stored.findings  # computed on read, never a typed count
    # A second save replaces the exam; the count follows the tests.
    again = clinician.put(f"/api/encounters/{note_id}/exam", json={**EXAM, "si_tests": {"distraction": "positive"}})
    assert again.json()["si_positive_count"] == 1 and _rows(db) == 1
    assert clinician.get(f"/api/encounters/{note_id}").json()["exam"]["si_positive_count"] == 1


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"motor_deficits": [{"level": "L5", "side": "left", "grade": 6}]}, "motor_deficits[0].grade", "max_value"),
        ({"motor_deficits": [{"level": "L5", "side": "left", "grade": -1}]}, "motor_deficits[0].grade", "mrc_grade"),
        ({"motor_deficits": [{"level": "L9", "side": "left", "grade": 4}]}, "motor_deficits[0].level", "known_level"),
        ({"sensory_deficits": [{"dermatome": "Q1", "side": "left"}]}, "sensory_deficits[0].dermatome", "known_level"),
        ({"reflexes": {"patellar": {"left": 7}}}, "reflexes.patellar.left", "reflex_grade"),
        ({"reflexes": {"patellar": {"left": "wobbly"}}}, "reflexes.patellar.left", "reflex_grade"),
        ({"reflexes": {"jaw_jerk": {"left": 2}}}, "reflexes.jaw_jerk", "known_reflex"),
        ({"diagnosis_codes": ["XYZ.9"]}, "diagnosis_codes[0]", "icd10_cm_exists"),
        ({"diagnosis_codes": ["M54"]}, "diagnosis_codes[0]", "icd10_cm_billable"),
    ],
)
def test_bad_findings_are_refused_by_field_and_rule_and_nothing_saved(note, db, change, field, rule):
    clinician, note_id = note
    refused = clinician.put(f"/api/encounters/{note_id}/exam", json={**EXAM, **change})
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [(field, rule)]
    assert _rows(db) == 0


def test_shapes_pydantic_owns_are_refused_too(note, db):
    clinician, note_id = note
    bad = clinician.put(f"/api/encounters/{note_id}/exam", json={**EXAM, "si_tests": {"distraction": "maybe"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "si_tests.distraction"
    bad = clinician.put(f"/api/encounters/{note_id}/exam", json={**EXAM, "hip_internal_rotation_degrees": {"left": 200}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hip_internal_rotation_degrees.left"
    assert _rows(db) == 0


def test_si_positive_count_is_pure():
    assert si_positive_count({}) == 0
    assert si_positive_count({"distraction": "positive", "thigh_thrust": "positive", "compression": "positive",
                              "sacral_thrust": "positive", "gaenslen": "positive"}) == 5
    assert si_positive_count({"distraction": "not_tested", "gaenslen": "negative", "faber": "positive"}) == 0  # not one of the five
    assert exam_problems({"motor_deficits": [{"level": "C5", "side": "left", "grade": 0}], "reflexes": {"biceps": {"left": "absent"}}}) == []
