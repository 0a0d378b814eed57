"""The therapist as co-author: a therapist opens only the patients whose PT course names them (403 and an
audit row that survives the refusal otherwise), records PT visits, measures and progress notes on their
own patients, and the clinician reads those notes on the episode timeline."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.auth.models import User
from painpath.core.auth.passwords import hash_password
from painpath.core.auth.roles import Role
from painpath.core.auth.service import actor_for
from painpath.patients import service as patients

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)
LUMBAR = {"problem_summary": "Low back pain", "body_region": "lumbar", "laterality": "bilateral", "onset_date": "2026-08-01",
          "icd10_codes": ["M54.50"]}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _episode(coordinator, payload: dict) -> tuple[int, int]:  # noqa: ANN001
    patient_id = coordinator.post("/api/patients", json=payload).json()["id"]
    episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json=LUMBAR)
    assert episode.status_code == 201, episode.text
    return patient_id, episode.json()["id"]


@pytest.fixture
def two_patients(client_for, staff, patient_payload) -> dict:
    """Dana has a PT course with the therapist; Lee has none."""
    coordinator = client_for("coordinator")
    own_patient, own_episode = _episode(coordinator, patient_payload)
    other_patient, other_episode = _episode(coordinator, {**patient_payload, "mrn": "MRN-2002", "given_name": "Lee", "family_name": "Park"})
    made = client_for("clinician").post(f"/api/episodes/{own_episode}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Riverside PT",
        "start_date": "2026-11-02"})
    assert made.status_code == 201, made.text
    return {"own": (own_patient, own_episode), "other": (other_patient, other_episode), "course_id": made.json()["id"]}


def _refusals(db, patient_id: int) -> list[AuditEvent]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read_refused",
                                                             AuditEvent.patient_id == patient_id)))


def test_a_therapist_cannot_open_a_patient_who_is_not_theirs(client_for, two_patients, staff, db):
    therapist = client_for("therapist")
    patient_id, episode_id = two_patients["other"]
    for url in (f"/episodes/{episode_id}", f"/patients/{patient_id}", f"/api/episodes/{episode_id}", f"/api/patients/{patient_id}",
                f"/api/episodes/{episode_id}/timeline", f"/api/episodes/{episode_id}/encounters"):
        response = therapist.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert "not on your PT caseload" in response.text, url
        assert "Park" not in response.text
    refused = _refusals(db, patient_id)
    assert len(refused) == 6
    assert {e.actor_user_id for e in refused} == {staff["therapist"].id}
    assert {e.object_type for e in refused} == {"episode", "patient"}
    with db.session() as session:  # the refused reads left no "chart.read" behind
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read", AuditEvent.patient_id == patient_id,
                                                         AuditEvent.actor_user_id == staff["therapist"].id)).all()
    assert reads == []


def test_a_therapist_cannot_write_on_a_patient_who_is_not_theirs(client_for, two_patients, db):
    _patient_id, episode_id = two_patients["other"]
    made = client_for("therapist").post(f"/api/episodes/{episode_id}/encounters",
                                        json={"encounter_type": "pt_visit", "date_of_service": "2026-11-16"})
    assert made.status_code == 403


def test_the_refusal_audit_survives_the_rolled_back_transaction(ctx, db, two_patients, staff):
    patient_id, episode_id = two_patients["other"]
    with db.session() as session:
        therapist = session.get(User, staff["therapist"].id)
        actor = actor_for(therapist)
    with pytest.raises(patients.ChartAccessRefused), db.session() as session:
        patients.read_episode(session, actor=actor, episode_id=episode_id)
    (event,) = _refusals(db, patient_id)
    assert (event.object_type, event.object_id, event.actor_label) == ("episode", str(episode_id), "user:therapist")


def test_another_therapist_is_refused_the_first_therapists_patient(app, client_for, two_patients, db, clinic):
    with db.session() as session:
        session.add(User(clinic_id=clinic.id, username="therapist2", display_name="Second Therapist", role=Role.THERAPIST.value,
                         password_hash=hash_password("second-therapist-pw")))
    patient_id, episode_id = two_patients["own"]
    second = TestClient(app)
    second.get("/login")
    signed_in = second.post("/login", data={"username": "therapist2", "password": "second-therapist-pw",
                                            "login_csrf": second.cookies.get("painpath_login_csrf"), "next": "/"}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert second.get(f"/api/episodes/{episode_id}").status_code == 403
    assert client_for("therapist").get(f"/api/episodes/{episode_id}").status_code == 200
    assert len(_refusals(db, patient_id)) == 1
    second.close()


def test_other_roles_are_not_restricted_by_the_caseload(client_for, two_patients):
    patient_id, episode_id = two_patients["other"]
    for role in ("clinician", "coordinator", "nurse", "front_desk"):
        assert client_for(role).get(f"/api/episodes/{episode_id}").status_code == 200, role


def test_a_therapist_charts_visits_measures_and_progress_notes_the_clinician_reads(client_for, two_patients, db):
    therapist = client_for("therapist")
    patient_id, episode_id = two_patients["own"]
    assert therapist.get(f"/episodes/{episode_id}").status_code == 200
    assert therapist.get(f"/patients/{patient_id}").status_code == 200
    visit = therapist.post(f"/api/episodes/{episode_id}/encounters",
                           json={"encounter_type": "pt_visit", "date_of_service": "2026-11-16", "narrative": "Side bridge 10 s holds"})
    assert visit.status_code == 201, visit.text
    encounter = visit.json()
    measures = therapist.put(f"/api/encounters/{encounter['id']}/measures", json={"sitting_minutes": 40, "walking_minutes": 30})
    assert measures.status_code == 200, measures.text
    signed = therapist.post(f"/api/encounters/{encounter['id']}/sign", json={"version": encounter["version"] + 1})
    if signed.status_code == 409:  # recording measures gave the note a new version
        signed = therapist.post(f"/api/encounters/{encounter['id']}/sign",
                                json={"version": therapist.get(f"/api/encounters/{encounter['id']}").json()["encounter"]["version"]})
    assert signed.status_code == 200, signed.text
    report = therapist.post(f"/api/pt-courses/{two_patients['course_id']}/progress-reports", json={
        "written_on": "2026-11-16", "summary": "Sitting tolerance 40 minutes, up from 15; holds pain-free",
        "encounter_id": encounter["id"]})
    assert report.status_code == 201, report.text

    timeline = client_for("clinician").get(f"/api/episodes/{episode_id}/timeline").json()
    summaries = [e["summary"] for e in timeline]
    assert any(s.startswith("PT visit note signed by Therapist User") for s in summaries), summaries
    assert any("PT progress report by Therapist User" in s and "Sitting tolerance 40 minutes" in s for s in summaries), summaries
    assert any("Sitting 40 min" in s or "sitting 40" in s.lower() for s in summaries), summaries
