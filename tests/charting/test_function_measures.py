"""Functional measures as typed facts: bounds named by field and rule, nothing half-saved, carry-forward, series."""

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting import service
from painpath.charting.models import FunctionalGoal, FunctionalMeasure
from painpath.charting.rules import measures_summary

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
GOOD = {
    "sitting_minutes": 20, "standing_minutes": 15, "walking_minutes": 10, "sleep_hours": 5.5, "sleep_awakenings": 3,
    "lifting_limit_lb": 20, "lifting_side": "right", "work_status": "off_work", "adl_limits": ["dressing", "driving"],
    "pain_now": 7, "pain_average": 6, "pain_worst": 9,
    "goals": [{"text": "Walk the dog around the block", "target": {"measure": "walking_minutes", "target": 30}},
              {"text": "Back to work", "target": None}],
}


@pytest.fixture
def clinician(client_for):  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield client_for("clinician")


def _note(client, client_for, patient_payload, episode_payload, on: str = "2026-12-01") -> tuple[int, int]:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    note = client.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": on})
    return episode_id, note.json()["id"]


def _counts(db) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(FunctionalMeasure)),
                session.scalar(select(func.count()).select_from(FunctionalGoal)))


def test_all_measures_recorded_as_typed_facts(clinician, client_for, db, patient_payload, episode_payload):
    episode_id, note_id = _note(clinician, client_for, patient_payload, episode_payload)
    saved = clinician.put(f"/api/encounters/{note_id}/measures", json=GOOD)
    assert saved.status_code == 200, saved.text
    assert saved.json() == GOOD
    assert _counts(db) == (11, 2)
    # Recording again replaces the encounter's values rather than adding to them.
    assert clinician.put(f"/api/encounters/{note_id}/measures", json={"pain_now": 4}).json() == {"pain_now": 4, "goals": []}
    assert _counts(db) == (1, 0)
    summary = [e["summary"] for e in clinician.get(f"/api/episodes/{episode_id}/timeline").json() if e["kind"] == "measures.recorded"]
    assert summary == ["Function on 01 Dec 2026: pain 4/10 now"]


BOUNDS = [
    ("sitting_minutes", 1441, "max_value"), ("sitting_minutes", -1, "min_value"), ("standing_minutes", 2000, "max_value"),
    ("walking_minutes", -5, "min_value"), ("sleep_hours", 25, "max_value"), ("sleep_hours", -0.5, "min_value"),
    ("sleep_awakenings", 31, "max_value"), ("sleep_awakenings", 2.5, "whole_number"), ("lifting_limit_lb", 800, "max_value"),
    ("lifting_limit_lb", -1, "min_value"), ("pain_now", 11, "max_value"), ("pain_average", -1, "min_value"),
    ("pain_worst", 7.5, "whole_number"), ("work_status", "on_vacation", "allowed_value"), ("lifting_side", "middle", "allowed_value"),
]


@pytest.mark.parametrize(("field", "value", "rule"), BOUNDS)
def test_each_bound_is_refused_with_field_and_rule_and_nothing_is_saved(clinician, client_for, db, patient_payload, episode_payload, field, value, rule):
    _episode_id, note_id = _note(clinician, client_for, patient_payload, episode_payload)
    clinician.put(f"/api/encounters/{note_id}/measures", json={"pain_now": 3, "goals": [{"text": "Sleep through"}]})
    refused = clinician.put(f"/api/encounters/{note_id}/measures", json={**GOOD, field: value})
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [(field, rule)]
    assert _counts(db) == (1, 1)  # the earlier values stand; none of the good values in the refused request were saved


def test_the_lifting_message_says_what_is_allowed(clinician, client_for, patient_payload, episode_payload):
    _episode_id, note_id = _note(clinician, client_for, patient_payload, episode_payload)
    refused = clinician.put(f"/api/encounters/{note_id}/measures", json={"lifting_limit_lb": 800})
    assert refused.json()["errors"] == [
        {"field": "lifting_limit_lb", "rule": "max_value", "message": "Lifting limit must be between 0 and 300 pounds"}]


def test_lists_and_goal_targets_are_checked(clinician, client_for, db, patient_payload, episode_payload):
    _episode_id, note_id = _note(clinician, client_for, patient_payload, episode_payload)
    refused = clinician.put(f"/api/encounters/{note_id}/measures", json={
        "adl_limits": ["dressing", "juggling"],
        "goals": [{"text": "Walk", "target": {"measure": "walking_minutes", "target": 5000}},
                  {"text": "Fly", "target": {"measure": "flying_minutes", "target": 5}}],
    })
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("adl_limits[1]", "allowed_value"), ("goals[0].target.target", "max_value"), ("goals[1].target.measure", "known_measure")]
    assert _counts(db) == (0, 0)


def test_carry_forward_takes_each_measures_last_value(clinician, client_for, db, patient_payload, episode_payload):
    episode_id, first = _note(clinician, client_for, patient_payload, episode_payload, on="2026-11-02")
    later = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-12-01"}).json()["id"]
    middle = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "follow_up", "date_of_service": "2026-11-16"}).json()["id"]
    clinician.put(f"/api/encounters/{first}/measures", json=GOOD)
    clinician.put(f"/api/encounters/{later}/measures", json={"walking_minutes": 25, "pain_now": 4, "work_status": "modified_duty"})
    clinician.put(f"/api/encounters/{middle}/measures", json={"walking_minutes": 15, "sleep_hours": 6, "goals": [{"text": "Sleep 7 hours"}]})

    latest = clinician.get(f"/api/episodes/{episode_id}/measures/latest").json()
    assert latest["values"] == {**{k: v for k, v in GOOD.items() if k != "goals"},
                                "walking_minutes": 25, "pain_now": 4, "work_status": "modified_duty", "sleep_hours": 6}
    assert latest["as_of"]["walking_minutes"] == "2026-12-01" and latest["as_of"]["sleep_hours"] == "2026-11-16"
    assert latest["as_of"]["lifting_limit_lb"] == "2026-11-02"
    assert latest["goals"] == [{"text": "Sleep 7 hours", "target": None}]

    with db.session() as session:
        assert service.measure_series(session, episode_id=episode_id, measure="walking_minutes") == [
            (date(2026, 11, 2), 10), (date(2026, 11, 16), 15), (date(2026, 12, 1), 25)]
        assert service.measure_series(session, episode_id=episode_id, measure="pain_average") == [(date(2026, 11, 2), 6)]
    series = clinician.get(f"/api/episodes/{episode_id}/measures/sleep_hours").json()
    assert series == [{"date": "2026-11-02", "value": 5.5}, {"date": "2026-11-16", "value": 6}]
    assert clinician.get(f"/api/episodes/{episode_id}/measures/flying_minutes").status_code == 404


def test_summary_reads_like_a_note():
    assert measures_summary({"walking_minutes": 10, "lifting_limit_lb": 20, "pain_now": 7, "work_status": "off_work"}, "left") == (
        "walking 10 min, lifting 20 lb (left), pain 7/10 now, off work")
