"""The audit viewer: managers and admins filter the trail by patient, user, action and dates, page it
newest first, and their own reading is recorded; everyone else is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.core.clock import utcnow


@pytest.fixture
def two_patients(client_for, patient_payload):  # noqa: ANN001, ANN201
    desk = client_for("front_desk")
    first = desk.post("/api/patients", json=patient_payload).json()
    second = desk.post("/api/patients", json={**patient_payload, "mrn": "MRN-2002", "given_name": "Ana"}).json()
    return first, second


def test_a_patient_filter_by_mrn_shows_who_opened_that_chart_with_the_request_id(client_for, staff, two_patients, db):
    first, second = two_patients
    nurse = client_for("nurse")
    nurse.get(f"/api/patients/{first['id']}", headers={"x-request-id": "req-nurse-look"})
    nurse.get(f"/api/patients/{second['id']}")
    manager = client_for("manager")

    body = manager.get("/api/audit", params={"patient": "MRN-1001"}).json()

    assert {e["patient_id"] for e in body["events"]} == {first["id"]}
    (read,) = [e for e in body["events"] if e["action"] == "chart.read"]
    assert (read["actor_user_id"], read["request_id"], read["mrn"]) == (staff["nurse"].id, "req-nurse-look", "MRN-1001")
    assert read["who"] == "Nurse User (nurse)"
    by_id = manager.get("/api/audit", params={"patient": str(second["id"])}).json()
    assert {e["patient_id"] for e in by_id["events"]} == {second["id"]}
    # The reviewer's look is itself on the trail, naming the patient asked about (by id, not MRN).
    with db.session() as session:
        reviews = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read").order_by(AuditEvent.id)))
    assert [(r.actor_user_id, r.patient_id, r.detail["filter"]) for r in reviews] == [
        (staff["manager"].id, first["id"], {"patient_id": first["id"]}),
        (staff["manager"].id, second["id"], {"patient_id": second["id"]}),
    ]


def test_filters_by_user_action_and_date_range(client_for, staff, two_patients):
    first, _second = two_patients
    client_for("clinician").get(f"/api/patients/{first['id']}")
    admin = client_for("admin")
    today = utcnow().date()

    by_user = admin.get("/api/audit", params={"user": staff["front_desk"].id}).json()["events"]
    assert by_user and {e["actor_user_id"] for e in by_user} == {staff["front_desk"].id}
    by_action = admin.get("/api/audit", params={"action": "chart.read"}).json()["events"]
    assert [(e["action"], e["actor_user_id"]) for e in by_action] == [("chart.read", staff["clinician"].id)]
    in_range = admin.get("/api/audit", params={"since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=1))}).json()
    assert len(in_range["events"]) >= 3
    assert admin.get("/api/audit", params={"since": str(today + timedelta(days=2))}).json()["events"] == []
    assert admin.get("/api/audit", params={"until": str(today - timedelta(days=2))}).json()["events"] == []


def test_bad_filters_are_refused_naming_the_field(client_for, two_patients):
    manager = client_for("manager")
    response = manager.get("/api/audit", params={"since": "yesterday", "patient": "MRN-9999", "user": "-1"})
    assert response.status_code == 422
    assert sorted((e["field"], e["rule"]) for e in response.json()["errors"]) == [
        ("patient", "known_patient"), ("since", "date"), ("user", "positive_integer")]
    page = manager.get("/audit", params={"until": "2026-01-01", "since": "2026-02-01"})
    assert page.status_code == 422 and "The end of the range cannot be before its start" in page.text


def test_pages_are_newest_first_and_keyed_by_id(client_for, two_patients):
    first, _second = two_patients
    nurse = client_for("nurse")
    for _ in range(55):
        nurse.get(f"/api/patients/{first['id']}")
    manager = client_for("manager")
    page1 = manager.get("/api/audit", params={"action": "chart.read"}).json()
    assert len(page1["events"]) == 50
    ids = [e["id"] for e in page1["events"]]
    assert ids == sorted(ids, reverse=True) and page1["next_before"] == ids[-1]
    page2 = manager.get("/api/audit", params={"action": "chart.read", "before": page1["next_before"]}).json()
    assert len(page2["events"]) == 5 and page2["next_before"] is None
    assert max(e["id"] for e in page2["events"]) < ids[-1]
    html = manager.get("/audit", params={"action": "chart.read"}).text
    assert f'href="/audit?action=chart.read&amp;before={ids[-1]}"' in html


def test_the_page_lists_events_in_words_and_is_in_the_nav_for_reviewers_only(client_for, two_patients):
    first, _second = two_patients
    client_for("nurse").get(f"/api/patients/{first['id']}", headers={"x-request-id": "req-page-1"})
    page = client_for("manager").get("/audit", params={"patient": "MRN-1001"})
    assert page.status_code == 200
    assert "Opened the chart" in page.text and "Nurse User (nurse)" in page.text and "req-page-1" in page.text
    assert "MRN-1001" in page.text
    assert 'href="/audit"' in client_for("admin").get("/account").text
    assert 'href="/audit"' not in client_for("clinician").get("/account").text


@pytest.mark.parametrize("role", ["front_desk", "nurse", "coordinator", "clinician", "therapist", "billing", "patient"])
def test_only_managers_and_admins_read_the_trail(client_for, role):
    client = client_for(role)
    assert client.get("/api/audit").status_code == 403
    assert client.get("/audit").status_code == 403
