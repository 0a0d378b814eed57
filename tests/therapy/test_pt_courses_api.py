"""The PT course API: who may prescribe, authorize, report and certify; what is refused; and a course read
back with visits used and left from the PT visit notes (never typed) and Medicare taken from coverage."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)  # Monday
MEDICARE = {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"}
STENOSIS = {"problem_summary": "Neurogenic claudication, worse walking downhill", "body_region": "lumbar", "laterality": "bilateral",
            "onset_date": "2026-05-01", "icd10_codes": ["M48.062"]}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=MEDICARE).status_code == 201
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=STENOSIS).json()["id"]


def _course_body(staff, **changes) -> dict:  # noqa: ANN001, ANN003
    return {"protocol_id": "lumbar_stenosis_flexion", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
            "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-11-02", **changes}


def test_a_course_takes_its_frequency_and_duration_from_the_protocol_and_medicare_from_coverage(client_for, staff, episode_id, db):
    made = client_for("coordinator").post(f"/api/episodes/{episode_id}/pt-courses", json=_course_body(staff))
    assert made.status_code == 201, made.text
    course = made.json()
    assert (course["frequency_per_week"], course["duration_weeks"], course["medicare_rules"]) == (2, 6, True)
    assert course["goals"] == "Walk 15 minutes without stopping for leg symptoms"
    assert len(course["visits"]) == 12 and not any(v["recorded"] for v in course["visits"])
    # Medicare: the plan of care must be certified within 30 days of the first treatment.
    assert "pt_poc_certification" in {o["kind"] for o in course["obligations"]}
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "pt_course.create")).one()
    assert event.detail["protocol_id"] == "lumbar_stenosis_flexion" and event.patient_id == course["patient_id"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"protocol_id": "yoga_for_everything"}, "protocol_id"),
    ({"practice_fax": None}, "practice_fax"),
])
def test_a_bad_course_is_refused_field_by_field(client_for, staff, episode_id, changes, field):
    refused = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json=_course_body(staff, **changes))
    assert refused.status_code == 422
    assert field in [e["field"] for e in refused.json()["errors"]]


def test_the_therapist_must_be_a_therapist(client_for, staff, episode_id):
    refused = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses",
                                           json=_course_body(staff, therapist_id=staff["nurse"].id))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "therapist_id"


@pytest.mark.parametrize("role", ["therapist", "billing", "front_desk"])
def test_only_clinical_and_coordinating_staff_prescribe(client_for, staff, episode_id, role):
    assert client_for(role).post(f"/api/episodes/{episode_id}/pt-courses", json=_course_body(staff)).status_code == 403


def test_visits_used_come_from_pt_visit_notes_and_the_roles_do_their_part(client_for, staff, episode_id):
    course = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json=_course_body(staff)).json()
    assert client_for("therapist").post(f"/api/pt-courses/{course['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-02", "window_to": "2026-12-31"}).status_code == 403
    refused = client_for("billing").post(f"/api/pt-courses/{course['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-12-02", "window_to": "2026-11-30"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "window_to"
    authorized = client_for("billing").post(f"/api/pt-courses/{course['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-02", "window_to": "2026-12-31", "authorization_number": "A-77"})
    assert authorized.status_code == 201, authorized.text

    therapist = client_for("therapist")
    for day, kind in (("2026-11-02", "pt_visit"), ("2026-11-05", "pt_visit"), ("2026-11-09", "pt_visit"), ("2026-11-10", "follow_up")):
        assert therapist.post(f"/api/episodes/{episode_id}/encounters",
                              json={"encounter_type": kind, "date_of_service": day}).status_code == 201
    read = therapist.get(f"/api/pt-courses/{course['id']}").json()
    (auth,) = read["authorizations"]
    assert (auth["visits_used"], auth["visits_left"], auth["percent_used"]) == (3, 5, 38)  # the follow-up note is not a PT visit
    assert read["treatment_days"] == 3
    assert [v["on"] for v in read["visits"] if v["recorded"]] == ["2026-11-02", "2026-11-05", "2026-11-09"]
    assert [v["on"] for v in read["visits"] if not v["recorded"]][:2] == ["2026-11-16", "2026-11-19"]

    report = therapist.post(f"/api/pt-courses/{course['id']}/progress-reports", json={"written_on": "2026-11-09", "summary": "Walks 10 min"})
    assert report.status_code == 201, report.text
    future = therapist.post(f"/api/pt-courses/{course['id']}/progress-reports", json={"written_on": "2026-11-30", "summary": "x"})
    assert future.status_code == 422

    refused = therapist.post(f"/api/pt-courses/{course['id']}/certifications", json={"certified_on": "2026-11-03"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "role"
    certified = client_for("clinician").post(f"/api/pt-courses/{course['id']}/certifications", json={"certified_on": "2026-11-03"})
    assert certified.status_code == 201, certified.text
    assert "pt_poc_certification" not in {o["kind"] for o in certified.json()["obligations"]}


def test_extension_request_and_answer_are_versioned_and_recorded_once(client_for, staff, episode_id):
    course = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json=_course_body(staff)).json()
    coordinator = client_for("coordinator")
    auth_id = coordinator.post(f"/api/pt-courses/{course['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-02", "window_to": "2026-12-31"}).json()["authorizations"][0]["id"]
    assert coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-request", json={"version": 2, "reason": "progress report faxed separately"}).status_code == 409
    assert coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-request", json={"version": 1, "reason": "progress report faxed separately"}).status_code == 200
    assert coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-request", json={"version": 2, "reason": "progress report faxed separately"}).status_code == 409
    incomplete = coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-answer", json={"version": 2, "outcome": "approved"})
    assert incomplete.status_code == 422 and incomplete.json()["errors"][0]["field"] == "visits_approved"
    answered = coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-answer", json={
        "version": 2, "outcome": "partial", "visits_approved": 4, "window_to": "2027-01-31"})
    assert answered.status_code == 200, answered.text
    first, second = answered.json()["authorizations"]
    assert (first["extension_outcome"], second["visits_approved"], second["window_from"]) == ("partial", 4, "2026-12-31")
    assert coordinator.post(f"/api/pt-authorizations/{auth_id}/extension-answer",
                            json={"version": 3, "outcome": "denied"}).status_code == 409
