"""Coverages entered from pages (patient page, new patient) and the JSON API: add, edit, end, with the
same rules, field-level messages, typed values kept, and 409 on a stale version."""

from __future__ import annotations

from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.patients.models import Coverage

# A payer of the shipped payer directory pack (knowledge/packs), as the authorization tests use it.
CARD = {"payer_id": "bcbs_commercial", "priority": "1", "member_id": "XBM884211907", "group_number": "G-77",
        "subscriber_relationship": "self", "subscriber_name": "", "effective_from": "2026-01-01", "effective_to": ""}


def _patient(client, patient_payload) -> int:
    response = client.post("/api/patients", json=patient_payload)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _coverages(db, patient_id: int) -> list[Coverage]:
    with db.session() as session:
        return list(session.scalars(select(Coverage).where(Coverage.patient_id == patient_id).order_by(Coverage.id)))


def test_add_coverage_from_the_patient_page(client_for, db, patient_payload):
    client = client_for("front_desk")
    patient_id = _patient(client, patient_payload)
    assert 'action="/patients/%d/coverages"' % patient_id in client.get(f"/patients/{patient_id}").text
    card = {**CARD, "subscriber_relationship": "spouse", "subscriber_name": "Ama Okafor"}
    response = client.post(f"/patients/{patient_id}/coverages", data=card, follow_redirects=False)
    assert response.status_code == 303, response.text
    [row] = _coverages(db, patient_id)
    assert (row.payer_id, row.member_id, row.group_number, row.priority) == ("bcbs_commercial", "XBM884211907", "G-77", 1)
    assert (row.subscriber_relationship, row.subscriber_name, row.plan_type) == ("spouse", "Ama Okafor", "commercial")
    page = client.get(f"/patients/{patient_id}").text
    assert "XBM884211907" in page and "Ama Okafor (spouse)" in page


def test_bad_coverage_keeps_what_was_typed_and_names_each_field(client_for, db, patient_payload):
    client = client_for("front_desk")
    patient_id = _patient(client, patient_payload)
    bad = {**CARD, "member_id": "", "group_number": "TYPED-GROUP", "effective_to": "2025-12-01"}
    response = client.post(f"/patients/{patient_id}/coverages", data=bad)
    assert response.status_code == 422
    assert 'value="TYPED-GROUP"' in response.text and "The coverage was not saved" in response.text
    assert 'id="new-member_id"' in response.text and "has-error" in response.text
    assert _coverages(db, patient_id) == []
    # Member id present, but the end date before the effective date, and a spouse without a name.
    bad = {**CARD, "effective_to": "2025-12-01", "subscriber_relationship": "spouse"}
    response = client.post(f"/patients/{patient_id}/coverages", data=bad)
    assert response.status_code == 422
    assert "The end date cannot be before the effective date" in response.text
    assert "Enter the subscriber&#39;s name" in response.text or "Enter the subscriber's name" in response.text
    assert _coverages(db, patient_id) == []


def test_edit_and_end_coverage_from_the_page_audited(client_for, db, patient_payload):
    client = client_for("front_desk")
    patient_id = _patient(client, patient_payload)
    client.post(f"/patients/{patient_id}/coverages", data=CARD)
    [row] = _coverages(db, patient_id)
    edited = client.post(f"/coverages/{row.id}/edit", data={**CARD, "member_id": "NEW123", "version": str(row.version)}, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    # A stale form (the version loaded before the edit) is refused and changes nothing.
    stale = client.post(f"/coverages/{row.id}/edit", data={**CARD, "member_id": "OLD999", "version": str(row.version)})
    assert stale.status_code == 409 and "changed by someone else" in stale.text and 'value="OLD999"' in stale.text
    too_early = client.post(f"/coverages/{row.id}/end", data={"effective_to": "2025-06-30", "version": str(row.version + 1)})
    assert too_early.status_code == 422 and "cannot be before the effective date" in too_early.text
    ended = client.post(f"/coverages/{row.id}/end", data={"effective_to": "2026-06-30", "version": str(row.version + 1)}, follow_redirects=False)
    assert ended.status_code == 303, ended.text
    [after] = _coverages(db, patient_id)
    assert (after.member_id, str(after.effective_to)) == ("NEW123", "2026-06-30")
    with db.session() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "coverage")))
    assert {"coverage.create", "coverage.update", "coverage.end"} <= actions


def test_coverage_api_update_end_and_stale_409(client_for, db, patient_payload):
    client = client_for("coordinator")
    patient_id = _patient(client, patient_payload)
    body = {"payer_id": "bcbs_commercial", "member_id": "M1", "effective_from": "2026-01-01"}
    created = client.post(f"/api/patients/{patient_id}/coverages", json=body).json()
    updated = client.put(f"/api/coverages/{created['id']}", json={**body, "priority": 2, "version": created["version"]})
    assert updated.status_code == 200 and updated.json()["priority"] == 2
    stale = client.put(f"/api/coverages/{created['id']}", json={**body, "member_id": "M2", "version": created["version"]})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    bad = client.put(f"/api/coverages/{created['id']}", json={**body, "effective_to": "2025-01-01", "version": updated.json()["version"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "effective_to"
    ended = client.post(f"/api/coverages/{created['id']}/end", json={"effective_to": "2026-03-31", "version": updated.json()["version"]})
    assert ended.status_code == 200 and ended.json()["effective_to"] == "2026-03-31"
    stale_end = client.post(f"/api/coverages/{created['id']}/end", json={"effective_to": "2026-04-30", "version": updated.json()["version"]})
    assert stale_end.status_code == 409
    assert client.put("/api/coverages/999999", json={**body, "version": 1}).status_code == 404


def test_new_patient_page_saves_the_coverage_with_the_patient(client_for, db):
    client = client_for("front_desk")
    person = {"given_name": "Rosa", "family_name": "Lindqvist", "birth_date": "1957-03-02", "sex": "female", "mrn": "MRN-7",
              "preferred_contact": "phone", "phone": "", "email": "", "address": "", "home_location_id": ""}
    refused = client.post("/patients/new", data={**person, **CARD, "member_id": "", "given_name": "", "group_number": "KEEP-ME"})
    assert refused.status_code == 422 and 'value="KEEP-ME"' in refused.text
    assert "Member ID" in refused.text and "Given name" in refused.text  # both parts' problems at once
    created = client.post("/patients/new", data={**person, **CARD}, follow_redirects=False)
    assert created.status_code == 303, created.text
    patient_id = int(created.headers["location"].rsplit("/", 1)[1])
    [row] = _coverages(db, patient_id)
    assert (row.payer_id, row.member_id, str(row.effective_from)) == ("bcbs_commercial", "XBM884211907", "2026-01-01")
    # Without a payer the patient is saved alone.
    alone = client.post("/patients/new", data={**person, "mrn": "MRN-8"}, follow_redirects=False)
    assert alone.status_code == 303 and _coverages(db, int(alone.headers["location"].rsplit("/", 1)[1])) == []
