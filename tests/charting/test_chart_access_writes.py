"""Defect 1 of issue 11: a therapist wrote on the chart of a patient not on their caseload through routes
that take an encounter or procedure id (measures, exam, note edit, sign, addenda, relief reports), and
anyone who may sign could sign someone else's note. Each is now refused with 403 and nothing changes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting.models import Encounter, ExamFindings, FunctionalMeasure
from painpath.charting.procedures.models import ProcedureRelief
from painpath.core.auth.models import User
from painpath.core.auth.passwords import hash_password
from painpath.core.auth.roles import Role

from authorization_setup import LEVELS

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)
NOTE = {"encounter_type": "follow_up", "date_of_service": "2026-11-16", "narrative": "Axial low back pain, worse on extension."}
PROCEDURE = {"procedure_key": "mbb_lumbar", "cpt_codes": ["64493", "64494"], "side": "bilateral", "levels": LEVELS,
             "performed_on": "2026-11-16", "baseline_pain": 7, "baseline_scale": "nrs"}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload, episode_payload) -> int:
    """An episode with no PT course: on nobody's PT caseload."""
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def _count(db, model) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _refused(response) -> None:  # noqa: ANN001
    assert response.status_code == 403, response.text
    assert "not on your PT caseload" in response.text


def test_a_therapist_off_the_caseload_cannot_edit_measure_exam_or_sign_a_note(client_for, db, episode_id):
    note = client_for("clinician").post(f"/api/episodes/{episode_id}/encounters", json=NOTE).json()
    therapist = client_for("therapist")
    _refused(therapist.put(f"/api/encounters/{note['id']}/measures", json={"sitting_minutes": 40}))
    _refused(therapist.put(f"/api/encounters/{note['id']}/exam", json={"reasoning": "Written by the wrong person"}))
    _refused(therapist.put(f"/api/encounters/{note['id']}", json={**NOTE, "narrative": "Overwritten", "version": note["version"]}))
    _refused(therapist.post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]}))
    _refused(therapist.get(f"/api/encounters/{note['id']}"))
    _refused(therapist.get(f"/encounters/{note['id']}"))
    with db.session() as session:
        kept = session.get(Encounter, note["id"])
        assert (kept.status, kept.narrative, kept.version) == ("unsigned", NOTE["narrative"], note["version"])
    assert _count(db, FunctionalMeasure) == 0
    assert _count(db, ExamFindings) == 0


def test_a_therapist_off_the_caseload_cannot_add_an_addendum(client_for, db, episode_id):
    clinician = client_for("clinician")
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json=NOTE).json()
    assert clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]}).status_code == 200
    therapist = client_for("therapist")
    _refused(therapist.post(f"/api/encounters/{note['id']}/addenda", json={"narrative": "Added by someone else"}))
    refused_page = therapist.post(f"/encounters/{note['id']}/addenda", data={"narrative": "Added by someone else"})
    assert refused_page.status_code == 403
    assert _count(db, Encounter) == 1


def test_a_therapist_off_the_caseload_cannot_report_relief(client_for, db, episode_id):
    procedure = client_for("clinician").post(f"/api/episodes/{episode_id}/procedures", json=PROCEDURE)
    assert procedure.status_code == 201, procedure.text
    relief = {"measured_on": "2026-11-16", "percent": 90, "scale": "nrs", "hours_after": 4}
    _refused(client_for("therapist").post(f"/api/procedures/{procedure.json()['id']}/relief", json=relief))
    assert _count(db, ProcedureRelief) == 0


def test_the_caseload_therapist_still_writes_on_their_patient(client_for, staff, episode_id):
    course = {"protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Onsite PT",
              "start_date": "2026-11-02"}
    assert client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json=course).status_code == 201
    therapist = client_for("therapist")
    note = therapist.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "encounter_type": "pt_visit"}).json()
    assert therapist.put(f"/api/encounters/{note['id']}/measures", json={"sitting_minutes": 40}).status_code == 200


# Only the author or the named co-signer signs --------------------------------------------------------------

@pytest.fixture
def second_clinician(db, clinic, app):  # noqa: ANN001, ANN201
    from fastapi.testclient import TestClient

    from support import sign_in

    with db.session() as session:
        user = User(clinic_id=clinic.id, username="clinician2", display_name="Second Clinician", role=Role.CLINICIAN.value,
                    password_hash=hash_password("second-clinician-pw"))
        session.add(user)
        session.flush()
        user_id = user.id
    client = sign_in(TestClient(app), "clinician2", "second-clinician-pw")
    yield user_id, client
    client.close()


def test_a_clinician_cannot_sign_another_clinicians_note(client_for, db, episode_id, second_clinician):
    _user_id, other = second_clinician
    note = client_for("clinician").post(f"/api/episodes/{episode_id}/encounters", json=NOTE).json()
    refused = other.post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["rule"] == "author_or_cosigner"
    page = other.post(f"/encounters/{note['id']}/sign-note", data={"version": note["version"]})
    assert page.status_code == 403
    with db.session() as session:
        kept = session.get(Encounter, note["id"])
        assert (kept.status, kept.signed_by_id) == ("unsigned", None)


def test_the_named_cosigner_signs_a_nurses_note(client_for, staff, episode_id, second_clinician):
    cosigner_id, cosigner = second_clinician
    nurse = client_for("nurse")
    note = nurse.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "cosigner_id": cosigner_id}).json()
    assert note["cosigner_id"] == cosigner_id
    assert client_for("clinician").post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]}).status_code == 403
    signed = cosigner.post(f"/api/encounters/{note['id']}/sign", json={"version": note["version"]})
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signed_by_id"]) == ("signed", cosigner_id)


def test_a_cosigner_must_be_someone_who_signs_notes(client_for, staff, episode_id):
    refused = client_for("nurse").post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "cosigner_id": staff["billing"].id})
    assert refused.status_code == 422
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["rule"]) == ("cosigner_id", "may_sign")
