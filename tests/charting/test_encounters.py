"""Visit notes: signed notes never change (API and service), addenda are new audited rows, stale versions 409."""

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.charting import service
from painpath.charting.models import Encounter
from painpath.charting.schemas import EncounterUpdate
from painpath.core.audit import Actor, AuditEvent
from painpath.core.errors import Conflict, Forbidden

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
NOTE = {"encounter_type": "initial", "date_of_service": "2026-12-07", "narrative": "Axial low back pain, worse on extension."}


def _episode(client_for, patient_payload, episode_payload) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    return coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def _actions(db, action: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def traveller():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield


def test_write_sign_then_edits_are_refused(traveller, client_for, db, staff, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    clinician = client_for("clinician")
    created = clinician.post(f"/api/episodes/{episode_id}/encounters", json=NOTE)
    assert created.status_code == 201, created.text
    note = created.json()
    assert (note["status"], note["author_id"], note["version"]) == ("unsigned", staff["clinician"].id, 1)

    edited = clinician.put(f"/api/encounters/{note['id']}", json={**NOTE, "narrative": "Revised.", "version": 1})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    signed = clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": 2})
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signed_by_id"]) == ("signed", staff["clinician"].id)

    refused = clinician.put(f"/api/encounters/{note['id']}", json={**NOTE, "narrative": "Changed after signing", "version": 3})
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "status" and refused.json()["errors"][0]["rule"] == "unsigned"
    assert clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": 3}).status_code == 409
    assert clinician.put(f"/api/encounters/{note['id']}/measures", json={"pain_now": 5}).status_code == 409
    assert clinician.put(f"/api/encounters/{note['id']}/exam", json={}).status_code == 409
    assert clinician.get(f"/api/encounters/{note['id']}").json()["encounter"]["narrative"] == "Revised."

    # The service refuses too, whoever calls it.
    actor = Actor(user_id=staff["clinician"].id, label="user:clinician", clinic_id=staff["clinician"].clinic_id, role="clinician")
    with db.session() as session, pytest.raises(Conflict) as caught:
        service.update_encounter(session, actor=actor, encounter_id=note["id"], data=EncounterUpdate(**{**NOTE, "version": 3}))
    assert (caught.value.problems[0].field, caught.value.problems[0].rule) == ("status", "unsigned")
    assert [e.detail for e in _actions(db, "encounter.update")] == [{"fields": ["narrative"]}]  # names, never the text


def test_an_addendum_is_a_new_audited_row_linked_to_the_signed_note(traveller, client_for, db, staff, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    clinician, nurse = client_for("clinician"), client_for("nurse")
    note = clinician.post(f"/api/episodes/{episode_id}/encounters", json=NOTE).json()
    early = nurse.post(f"/api/encounters/{note['id']}/addenda", json={"narrative": "Too soon"})
    assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "signed"
    clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": 1})

    added = nurse.post(f"/api/encounters/{note['id']}/addenda", json={"narrative": "Patient called: pain worse at night."})
    assert added.status_code == 201, added.text
    addendum = added.json()
    assert (addendum["addendum_of_id"], addendum["author_id"], addendum["status"]) == (note["id"], staff["nurse"].id, "unsigned")
    [event] = _actions(db, "encounter.addendum")
    assert (event.object_id, event.actor_user_id, event.detail) == (str(addendum["id"]), staff["nurse"].id, {"addendum_of": note["id"]})

    read = clinician.get(f"/api/encounters/{note['id']}").json()
    assert [a["id"] for a in read["addenda"]] == [addendum["id"]]
    assert read["encounter"]["status"] == "signed"
    listed = clinician.get(f"/api/episodes/{episode_id}/encounters").json()
    assert [e["id"] for e in listed] == [note["id"], addendum["id"]]
    assert any(e.object_type == "episode" and e.object_id == str(episode_id) for e in _actions(db, "chart.read"))

    clinician.post(f"/api/encounters/{addendum['id']}/sign", json={"version": 1})
    summaries = [e["summary"] for e in clinician.get(f"/api/episodes/{episode_id}/timeline").json() if e["source"] == "charting"]
    assert summaries == ["Initial visit note signed by Clinician User", "Addendum to initial visit note signed by Clinician User"]


def test_a_stale_version_is_refused(traveller, client_for, db, staff, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    nurse, clinician = client_for("nurse"), client_for("clinician")
    note = nurse.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "cosigner_id": staff["clinician"].id}).json()
    assert nurse.put(f"/api/encounters/{note['id']}", json={**NOTE, "narrative": "First edit", "version": 1}).status_code == 200
    stale = clinician.put(f"/api/encounters/{note['id']}", json={**NOTE, "narrative": "Second edit", "version": 1})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"
    assert clinician.post(f"/api/encounters/{note['id']}/sign", json={"version": 1}).status_code == 409
    with db.session() as session:
        assert session.get(Encounter, note["id"]).narrative == "First edit"


def test_who_may_write_and_sign(traveller, client_for, db, staff, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    assert client_for("front_desk").post(f"/api/episodes/{episode_id}/encounters", json=NOTE).status_code == 403
    assert client_for("billing").post(f"/api/episodes/{episode_id}/encounters", json=NOTE).status_code == 403
    nurse = client_for("nurse")
    note = nurse.post(f"/api/episodes/{episode_id}/encounters", json=NOTE).json()
    assert nurse.post(f"/api/encounters/{note['id']}/sign", json={"version": 1}).status_code == 403  # a nurse writes, does not sign
    assert client_for("billing").get(f"/api/episodes/{episode_id}/encounters").status_code == 403  # minimum necessary: not billing's
    # Therapists sign their own PT visit notes, on the episodes of the patients they treat.
    course = {"protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Onsite PT",
              "start_date": "2026-12-01"}
    assert client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json=course).status_code == 201
    therapist = client_for("therapist")
    pt = therapist.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "encounter_type": "pt_visit"}).json()
    assert therapist.post(f"/api/encounters/{pt['id']}/sign", json={"version": 1}).json()["status"] == "signed"
    # The service checks the permission as well as the route.
    actor = Actor(user_id=staff["nurse"].id, label="user:nurse", clinic_id=staff["nurse"].clinic_id, role="nurse")
    with db.session() as session, pytest.raises(Forbidden) as refused:
        service.sign_encounter(session, actor=actor, encounter_id=note["id"], version=1)
    # In plain words for the person at the page, never the permission's key ("note:sign").
    assert refused.value.problems[0].message == (
        "Your role cannot sign visit notes. Ask a colleague whose role can, or your administrator.")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Encounter).where(Encounter.status == "signed")) == 1


def test_bad_notes_name_the_field(traveller, client_for, patient_payload, episode_payload):
    episode_id = _episode(client_for, patient_payload, episode_payload)
    clinician = client_for("clinician")
    future = clinician.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "date_of_service": "2026-12-09"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "date_of_service"
    odd = clinician.post(f"/api/episodes/{episode_id}/encounters", json={**NOTE, "encounter_type": "seance"})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "encounter_type"
    assert clinician.post("/api/episodes/9999/encounters", json=NOTE).status_code == 404
    assert clinician.get("/api/encounters/9999").status_code == 404
