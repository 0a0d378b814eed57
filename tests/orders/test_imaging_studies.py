"""Imaging studies through the JSON API: an outside MRI known at intake, its report arriving on a
records request, validation by field and rule, permissions, and the timeline."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.core.auth.service import actor_for
from painpath.intake.records import service as records
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn
from painpath.orders import rules
from painpath.orders.models import ImagingStudy
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn

# Monday 7 Dec 2026, 10:00 in Chicago: the clinic's today is 7 Dec.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
OUTSIDE_MRI = {"modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "origin": "outside",
               "performed_on": "2026-10-20"}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _episode_with_request(ctx, db, staff, patient_payload, episode_payload, mrn: str) -> tuple[int, int]:  # noqa: ANN001
    """An episode (through the services) with a records request to an imaging center: (episode id, request id)."""
    actor = actor_for(staff["coordinator"])
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(**{**patient_payload, "mrn": mrn}))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            **{**episode_payload, "body_region": "lumbar", "responsible_clinician_id": staff["clinician"].id}))
        provider = records.add_provider(session, actor=actor, episode_id=episode.id,
                                        data=ProviderIn(name="Lakeside Imaging", kind="imaging_center", fax="555-010-0199"))
        request = records.create_request(session, actor=actor, calendar=ctx.calendar, episode_id=episode.id, data=RecordsRequestIn(
            provider_id=provider.id, items=[{"item": "mri_report"}], transport="print",
            authorization_reference="Release R-7", authorization_date=date(2026, 12, 1),
        ))
        return episode.id, request.id


@pytest.fixture
def episode(ctx, db, staff, patient_payload, episode_payload, clock) -> dict:
    episode_id, request_id = _episode_with_request(ctx, db, staff, patient_payload, episode_payload, "MRN-1001")
    return {"id": episode_id, "request_id": request_id}


def _count(db) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ImagingStudy))


def _problems(response) -> list[dict]:  # noqa: ANN001
    return [{"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]]


def test_an_outside_mri_is_known_first_and_its_report_arrives_on_the_records_request(client_for, episode, db):
    coordinator = client_for("coordinator")
    made = coordinator.post(f"/api/episodes/{episode['id']}/imaging-studies", json=OUTSIDE_MRI)
    assert made.status_code == 201, made.text
    study = made.json()
    assert (study["report_on_file"], study["records_request_id"], study["concordant"], study["version"]) == (False, None, "unknown", 1)
    arrived = coordinator.post(f"/api/imaging-studies/{study['id']}/report", json={
        "records_request_id": episode["request_id"], "concordant": "yes", "summary": "L5-S1 paracentral extrusion contacting the left S1 root",
        "version": 1,
    })
    assert arrived.status_code == 200, arrived.text
    body = arrived.json()
    assert (body["report_on_file"], body["records_request_id"], body["concordant"], body["version"]) == (True, episode["request_id"], "yes", 2)
    twice = coordinator.post(f"/api/imaging-studies/{study['id']}/report", json={"concordant": "yes", "version": 2})
    assert twice.status_code == 409 and _problems(twice) == [{"field": "report_on_file", "rule": "not_on_file"}]
    (listed,) = client_for("manager").get(f"/api/episodes/{episode['id']}/imaging-studies").json()
    assert listed["summary"].startswith("L5-S1 paracentral extrusion")
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "imaging_study").order_by(AuditEvent.id))]
        assert actions == ["imaging_study.record", "imaging_study.report"]


def test_a_study_with_its_report_is_recorded_in_one_go(client_for, episode):
    body = client_for("clinician").post(f"/api/episodes/{episode['id']}/imaging-studies", json={
        **OUTSIDE_MRI, "report_on_file": True, "records_request_id": episode["request_id"], "concordant": "no",
        "summary": "Mild degenerative change, no compression",
    }).json()
    assert (body["report_on_file"], body["concordant"], body["records_request_id"]) == (True, "no", episode["request_id"])


def test_a_report_reference_must_be_one_of_this_episodes_requests(client_for, episode, ctx, db, staff, patient_payload, episode_payload):
    _other_episode, other_request = _episode_with_request(ctx, db, staff, patient_payload, episode_payload, "MRN-2002")
    response = client_for("nurse").post(f"/api/episodes/{episode['id']}/imaging-studies",
                                        json={**OUTSIDE_MRI, "report_on_file": True, "records_request_id": other_request})
    assert response.status_code == 422 and _problems(response) == [{"field": "records_request_id", "rule": "episode_request"}]
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"modality": "pet"}, "modality", "known_modality"),
        ({"region": "lumbosacral"}, "region", "known_region"),
        ({"performed_on": "2026-12-08"}, "performed_on", "not_future"),
        ({"records_request_id": 1}, "report_on_file", "required_with_reference"),
        ({"concordant": "yes"}, "concordant", "needs_report"),
        ({"concordant": "probably"}, "concordant", "literal_error"),
        ({"origin": "abroad"}, "origin", "literal_error"),
        ({"study": ""}, "study", "string_too_short"),
    ],
)
def test_bad_studies_name_the_field_and_rule_and_save_nothing(client_for, episode, db, change, field, rule):
    response = client_for("coordinator").post(f"/api/episodes/{episode['id']}/imaging-studies", json={**OUTSIDE_MRI, **change})
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in _problems(response)
    assert _count(db) == 0


@pytest.mark.parametrize("role", ["nurse", "coordinator", "clinician"])
def test_nurses_coordinators_and_clinicians_record_that_a_report_arrived(client_for, episode, role):
    client = client_for(role)
    study = client.post(f"/api/episodes/{episode['id']}/imaging-studies", json=OUTSIDE_MRI)
    assert study.status_code == 201
    assert client.post(f"/api/imaging-studies/{study.json()['id']}/report", json={"version": 1}).status_code == 200


@pytest.mark.parametrize("role", ["front_desk", "billing", "manager"])
def test_other_roles_read_studies_but_do_not_record_them(client_for, episode, role):
    study = client_for("nurse").post(f"/api/episodes/{episode['id']}/imaging-studies", json=OUTSIDE_MRI).json()
    client = client_for(role)
    assert client.post(f"/api/episodes/{episode['id']}/imaging-studies", json=OUTSIDE_MRI).status_code == 403
    assert client.post(f"/api/imaging-studies/{study['id']}/report", json={"version": 1}).status_code == 403
    listed = client.get(f"/api/episodes/{episode['id']}/imaging-studies")
    if role in ("front_desk", "billing"):  # minimum necessary: imaging results are the clinical chart
        assert listed.status_code == 403
    else:
        assert [s["id"] for s in listed.json()] == [study["id"]]


def test_the_timeline_shows_the_study_and_whether_its_report_is_on_file(client_for, episode):
    nurse = client_for("nurse")
    study = nurse.post(f"/api/episodes/{episode['id']}/imaging-studies", json=OUTSIDE_MRI).json()
    before = [e["summary"] for e in nurse.get(f"/api/episodes/{episode['id']}/timeline").json()]
    assert "MRI lumbar spine without contrast (outside), report not on file yet, done 20 Oct 2026" in before
    nurse.post(f"/api/imaging-studies/{study['id']}/report", json={"summary": "L5-S1 extrusion", "concordant": "yes", "version": 1})
    after = [e["summary"] for e in nurse.get(f"/api/episodes/{episode['id']}/timeline").json()]
    assert "MRI lumbar spine without contrast (outside), report on file: L5-S1 extrusion, done 20 Oct 2026" in after


def test_the_vocabularies_are_the_facts_contracts():
    assert rules.MODALITIES == ("mri", "ct", "xray", "emg_ncs", "ultrasound", "mri_arthrogram", "other")
    assert "sacroiliac" in rules.REGIONS and "any" not in rules.REGIONS
