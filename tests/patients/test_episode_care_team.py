"""The episode page: assign and reassign the clinician and coordinator, edit the problem summary (audited,
409 on a stale version); diagnoses on a signed note reach the episode's problem list."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import Actor, AuditEvent
from painpath.core.errors import InvalidInput
from painpath.patients import service
from painpath.core.auth.models import User
from painpath.patients.models import Episode

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def _episode(client, patient_payload, episode_payload) -> int:
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    response = client.post(f"/api/patients/{patient_id}/episodes", json={**episode_payload, "icd10_codes": ["M54.12"]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _row(db, episode_id: int) -> Episode:
    with db.session() as session:
        return session.get(Episode, episode_id)


def test_assign_and_reassign_the_care_team_from_the_episode_page(client_for, db, staff, clinic, patient_payload, episode_payload):
    coordinator = client_for("coordinator")
    episode_id = _episode(coordinator, patient_payload, episode_payload)
    page = coordinator.get(f"/episodes/{episode_id}").text
    assert f'action="/episodes/{episode_id}/care-team' in page and staff["clinician"].display_name in page
    form = {"problem_summary": "Neck pain, right arm tingling", "responsible_clinician_id": str(staff["clinician"].id),
            "coordinator_id": str(staff["coordinator"].id), "version": "1"}
    saved = coordinator.post(f"/episodes/{episode_id}/care-team", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    row = _row(db, episode_id)
    assert (row.responsible_clinician_id, row.coordinator_id, row.problem_summary) == (
        staff["clinician"].id, staff["coordinator"].id, "Neck pain, right arm tingling")
    assert row.icd10_codes == ["M54.12"] and row.body_region == "cervical"  # the rest of the episode is untouched
    # Reassign to another clinician; a stale form (version 1) is refused and changes nothing.
    with db.session() as session:
        other = User(clinic_id=clinic.id, username="dr2", display_name="Second Clinician", role="clinician", password_hash="x")
        session.add(other)
        session.commit()
        other_id = other.id
    stale = coordinator.post(f"/episodes/{episode_id}/care-team", data={**form, "responsible_clinician_id": str(other_id)})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    assert _row(db, episode_id).responsible_clinician_id == staff["clinician"].id
    again = coordinator.post(f"/episodes/{episode_id}/care-team", data={**form, "responsible_clinician_id": str(other_id), "version": str(row.version)},
                             follow_redirects=False)
    assert again.status_code == 303 and _row(db, episode_id).responsible_clinician_id == other_id
    with db.session() as session:
        updates = session.scalars(select(AuditEvent).where(AuditEvent.action == "episode.update", AuditEvent.object_id == str(episode_id))).all()
    assert len(updates) == 2


def test_care_team_refuses_a_wrong_role_and_a_blank_summary_keeping_the_input(client_for, db, staff, patient_payload, episode_payload):
    coordinator = client_for("coordinator")
    episode_id = _episode(coordinator, patient_payload, episode_payload)
    wrong = {"problem_summary": "Typed summary stays", "responsible_clinician_id": str(staff["front_desk"].id), "coordinator_id": "", "version": "1"}
    refused = coordinator.post(f"/episodes/{episode_id}/care-team", data=wrong)
    assert refused.status_code == 422 and "is not a clinician here" in refused.text and "Typed summary stays" in refused.text
    blank = coordinator.post(f"/episodes/{episode_id}/care-team", data={**wrong, "responsible_clinician_id": "", "problem_summary": ""})
    assert blank.status_code == 422 and "Problem summary" in blank.text
    row = _row(db, episode_id)
    assert (row.responsible_clinician_id, row.version) == (None, 1)
    assert client_for("front_desk").post(f"/episodes/{episode_id}/care-team", data=wrong).status_code == 403


def test_diagnoses_on_a_signed_note_reach_the_problem_list(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(NOW, tick=False):
        coordinator = client_for("coordinator")
        episode_id = _episode(coordinator, patient_payload, episode_payload)
        clinician = client_for("clinician")
        note = clinician.post(f"/api/episodes/{episode_id}/encounters", json={"encounter_type": "initial", "date_of_service": "2026-12-07"}).json()
        exam = clinician.put(f"/api/encounters/{note['id']}/exam", json={"diagnosis_codes": ["M47816", "M54.12"]})
        assert exam.status_code == 200, exam.text
        assert _row(db, episode_id).icd10_codes == ["M54.12"]  # an unsigned note changes nothing yet
        version = note["version"]  # the exam is its own row: the note itself is unchanged
        signed = clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": version})
        assert signed.status_code == 200, signed.text
    assert _row(db, episode_id).icd10_codes == ["M54.12", "M47.816"]  # added once, in dotted form
    with db.session() as session:
        added = session.scalars(select(AuditEvent).where(AuditEvent.action == "episode.diagnoses_added")).all()
    assert [e.detail["codes_added"] for e in added] == [1]


def test_add_diagnoses_refuses_codes_that_are_not_billable_icd10(db, staff, client_for, patient_payload, episode_payload):
    episode_id = _episode(client_for("coordinator"), patient_payload, episode_payload)
    clinician = staff["clinician"]
    actor = Actor(user_id=clinician.id, label="clinician", clinic_id=clinician.clinic_id, role="clinician")
    with db.session() as session:
        with pytest.raises(InvalidInput) as refused:
            service.add_diagnoses(session, actor=actor, episode_id=episode_id, codes=["M54", "XYZ.9"], source="test")
    assert [p.rule for p in refused.value.problems] == ["icd10_cm_billable", "icd10_cm_exists"]
    assert _row(db, episode_id).icd10_codes == ["M54.12"]


def test_the_onset_date_is_recorded_on_the_episode_page_and_an_older_form_keeps_it(client_for, db, patient_payload, episode_payload):
    clinician = client_for("clinician")
    episode_id = _episode(client_for("coordinator"), patient_payload, {**episode_payload, "onset_date": None})
    page = clinician.get(f"/episodes/{episode_id}").text
    assert 'name="onset_date"' in page and "Not recorded" in page
    form = {"problem_summary": episode_payload["problem_summary"], "onset_date": "2026-03-01", "version": "1"}
    saved = clinician.post(f"/episodes/{episode_id}/care-team", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert str(_row(db, episode_id).onset_date) == "2026-03-01"
    # A form without the field (sent before the field existed) leaves the date alone.
    again = clinician.post(f"/episodes/{episode_id}/care-team", data={"problem_summary": "Neck pain", "version": "2"}, follow_redirects=False)
    assert again.status_code == 303, again.text
    assert str(_row(db, episode_id).onset_date) == "2026-03-01"
    # Not a date: the form comes back naming the field.
    refused = clinician.post(f"/episodes/{episode_id}/care-team", data={**form, "onset_date": "March", "version": "3"})
    assert refused.status_code == 422 and "Onset date" in refused.text
