"""The patient's history through the JSON API, on both databases: recorded whole, read back with its
lists (sports, surgeries, injuries) intact, carried to every episode of the patient as a fact, refused
field by field when wrong, and never overwritten by a second editor who read an older version."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from authorization_setup import MONDAY_7_DEC_2026, frozen_clock
from painpath.charting.history.models import PatientHistory
from painpath.core.audit import AuditEvent
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import HistoryFact, SurgeryFact

clock = frozen_clock(MONDAY_7_DEC_2026)  # the clinic's today: Monday 7 Dec 2026
HISTORY = {
    "occupation": "Warehouse picker", "work_status": "modified_duty", "lifting_lb": 50, "sitting_hours": 1.5, "driving_hours": 0,
    "shift_pattern": "night", "work_notes": "Bends and twists all shift",
    "sports": [{"activity": "Recreational soccer", "sessions_per_week": 2, "still_active": False}],
    "surgeries": [{"procedure": "L4-5 microdiscectomy", "year": 2019, "region": "lumbar", "outcome": "partly_helped"},
                  {"procedure": "Appendectomy", "year": 2004, "region": "other", "outcome": "helped"}],
    "injuries": [{"what": "Fell from a ladder", "year": 2018, "region": "lumbar"}],
    "smoking_status": "current", "pack_years": 12.5, "cotinine_ng_ml": 180, "cotinine_on": "2026-12-01",
    "alcohol_drinks_per_week": 4, "substances": "Cannabis at night", "sleep_hours": 5.5, "prior_treatments": "Chiropractic in 2020",
}


@pytest.fixture
def patient(client_for, patient_payload, episode_payload, clock) -> dict:  # noqa: ARG001
    """A patient with two episodes (neck, then low back): the history is the patient's, so both see it."""
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    first = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
    second = coordinator.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "body_region": "lumbar"})
    assert first.status_code == 201 and second.status_code == 201, second.text
    return {"id": patient_id, "episodes": [first.json()["id"], second.json()["id"]]}


def _problems(response) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


def test_history_is_recorded_read_back_whole_audited_and_a_fact_of_every_episode(client_for, patient, ctx, db):
    nurse = client_for("nurse")
    assert nurse.get(f"/api/patients/{patient['id']}/history").json() is None
    saved = nurse.put(f"/api/patients/{patient['id']}/history", json=HISTORY)
    assert saved.status_code == 200, saved.text
    read = client_for("clinician").get(f"/api/patients/{patient['id']}/history").json()
    assert {k: read[k] for k in HISTORY if k not in ("cotinine_ng_ml", "sitting_hours")} == {k: v for k, v in HISTORY.items() if k not in ("cotinine_ng_ml", "sitting_hours")}
    assert (read["cotinine_ng_ml"], read["sitting_hours"], read["version"]) == (180.0, 1.5, 1)
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "patient_history.record")).one()
        assert event.patient_id == patient["id"] and "surgeries" in event.detail["changed"] and "pack_years" in event.detail["changed"]
        facts = gather_facts(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_ids=patient["episodes"], today=date(2026, 12, 7))
    expected = HistoryFact("current", 12.5, 180.0, date(2026, 12, 1), (
        SurgeryFact("Appendectomy", 2004, "other", "helped"), SurgeryFact("L4-5 microdiscectomy", 2019, "lumbar", "partly_helped"),
    ), date(2026, 12, 7))
    assert [facts[e].history for e in patient["episodes"]] == [expected, expected]


def test_a_second_editor_with_an_older_version_gets_a_conflict_and_nothing_is_lost(client_for, patient, db):
    url = f"/api/patients/{patient['id']}/history"
    nurse, clinician = client_for("nurse"), client_for("clinician")
    assert nurse.put(url, json=HISTORY).json()["version"] == 1
    # Both open version 1; the clinician saves first.
    first = clinician.put(url, json={**HISTORY, "smoking_status": "former", "quit_year": 2026, "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    late = nurse.put(url, json={**HISTORY, "occupation": "Forklift driver", "version": 1})
    assert late.status_code == 409 and _problems(late) == [("version", "current_version")]
    assert "version 2" in late.json()["errors"][0]["message"]
    # Two staff both recording the first history: the second one is told, not allowed to overwrite.
    unversioned = nurse.put(url, json={**HISTORY, "occupation": "Forklift driver"})
    assert unversioned.status_code == 409 and _problems(unversioned) == [("version", "current_version")]
    kept = clinician.get(url).json()
    assert (kept["occupation"], kept["smoking_status"], kept["quit_year"], kept["version"]) == ("Warehouse picker", "former", 2026, 2)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PatientHistory)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patient_history.record")) == 2


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"surgeries": [{"procedure": "Laminectomy", "year": 2027, "region": "lumbar"}]}, "surgeries.0.year", "not_future"),
        ({"surgeries": [{"procedure": "Laminectomy", "year": 2019, "region": "elbow"}]}, "surgeries.0.region", "literal_error"),
        ({"injuries": [{"what": "Whiplash", "year": 1899}]}, "injuries.0.year", "greater_than_equal"),
        ({"smoking_status": "never"}, "pack_years", "smoker_only"),
        ({"quit_year": 2020}, "quit_year", "former_smoker_only"),
        ({"cotinine_on": None}, "cotinine_on", "with_value"),
        ({"cotinine_ng_ml": None}, "cotinine_ng_ml", "with_date"),
        ({"cotinine_on": "2026-12-08"}, "cotinine_on", "not_future"),
        ({"sleep_hours": 25}, "sleep_hours", "less_than_equal"),
        ({"lifting_lb": -5}, "lifting_lb", "greater_than_equal"),
        ({"work_status": "gig"}, "work_status", "literal_error"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(client_for, patient, db, change, field, rule):
    response = client_for("clinician").put(f"/api/patients/{patient['id']}/history", json={**HISTORY, **change})
    assert response.status_code == 422, response.text
    assert (field, rule) in [(f.removeprefix("body."), r) for f, r in _problems(response)]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(PatientHistory)) == 0


def test_front_desk_may_not_read_or_write_the_history(client_for, patient):
    desk = client_for("front_desk")
    assert desk.get(f"/api/patients/{patient['id']}/history").status_code == 403
    assert desk.put(f"/api/patients/{patient['id']}/history", json=HISTORY).status_code == 403
