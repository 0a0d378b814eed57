"""Receiving records over HTTP: upload a Bundle or NDJSON to an episode, read the facts back, and the page."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from painpath.core.audit import Actor, AuditEvent
from painpath.intake.imports.models import ImportedFact, RecordImport
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from external_data import external

SYNTHEA = external("synthea")
LEMKE = SYNTHEA / "r4-bundles" / "Elvina_Lemke_f2a4f241-ad65-4a1b-8b54-b5717a2338b6.json"
FUNK = SYNTHEA / "r4-bundles" / "Werner_Funk_88980c97-df54-464c-9fd9-ba079f2f1d98.json"


@pytest.fixture(scope="module")
def lemke() -> dict:
    data = LEMKE.read_bytes()
    types = [e["resource"]["resourceType"] for e in json.loads(data)["entry"]]
    return {"data": data, "conditions": types.count("Condition"), "observations": types.count("Observation")}


@pytest.fixture
def episode_id(db, clinic, staff) -> int:
    actor = Actor.system("test", clinic.id)
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-77", given_name="Elvina", family_name="Lemke", birth_date=date(1953, 6, 2), sex="female"))
        return patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Left knee pain", body_region="knee", laterality="left", icd10_codes=["M17.12"])).id


def count(db, model, *where) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_upload_files_the_bundle_then_says_it_was_already_imported(client_for, episode_id, lemke, db):
    client = client_for("front_desk")
    url = f"/api/episodes/{episode_id}/record-imports"
    first = client.post(url, files={"file": (LEMKE.name, lemke["data"], "application/fhir+json")})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["filename"] == LEMKE.name and body["counts"]["condition"] == lemke["conditions"] and not body["already_imported"]
    assert body["message"].startswith(f"Filed from {LEMKE.name}: {lemke['conditions']} conditions,")

    again = client.post(url, content=lemke["data"], headers={"content-type": "application/fhir+json"}, params={"filename": "copy.json"})
    assert again.status_code == 200 and again.json()["already_imported"] and again.json()["import_id"] == body["import_id"]
    assert count(db, RecordImport) == 1

    listed = client.get(url).json()
    assert [(r["id"], r["source_filename"], r["format"], r["imported_by"]) for r in listed] == [
        (body["import_id"], LEMKE.name, "bundle", "user:front_desk")]


def test_a_bundle_for_someone_else_is_refused_and_nothing_is_written(client_for, episode_id, db):
    client = client_for("nurse")
    audit_before = count(db, AuditEvent)
    response = client.post(f"/api/episodes/{episode_id}/record-imports", content=FUNK.read_bytes(),
                           headers={"content-type": "application/json"}, params={"filename": FUNK.name})
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["field"] == "file" and problem["rule"] == "patient_mismatch"
    assert problem["message"].startswith("This file is for Werner Funk, born 1915-07-03; the episode is for Elvina Lemke, born 1953-06-02.")
    assert count(db, RecordImport) == 0 and count(db, ImportedFact) == 0 and count(db, AuditEvent) == audit_before


def test_an_empty_upload_and_an_unknown_episode_are_refused(client_for, episode_id):
    client = client_for("coordinator")
    empty = client.post(f"/api/episodes/{episode_id}/record-imports", content=b"", headers={"content-type": "application/json"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["rule"] == "empty"
    missing = client.post("/api/episodes/424242/record-imports", content=LEMKE.read_bytes(), headers={"content-type": "application/json"})
    assert missing.status_code == 404


def test_imported_facts_by_category_are_audited_as_a_chart_read(client_for, episode_id, lemke, db):
    client = client_for("clinician")
    assert client.post(f"/api/episodes/{episode_id}/record-imports", files={"file": ("lemke.json", lemke["data"])}).status_code == 201
    reads_before = count(db, AuditEvent, AuditEvent.action == "chart.read")

    response = client.get(f"/api/episodes/{episode_id}/imported-facts", params={"category": "condition"})

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == lemke["conditions"] == len(body["facts"])
    assert {f["category"] for f in body["facts"]} == {"condition"}
    knee = next(f for f in body["facts"] if f["code"] == "239873007")
    assert knee["display"] == "Osteoarthritis of knee" and knee["code_system"] == "http://snomed.info/sct"
    assert knee["provenance"]["import_id"] and knee["provenance"]["full_url"].startswith("urn:uuid:")
    dates = [f["effective_date"] for f in body["facts"]]
    assert dates == sorted(dates, reverse=True)
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read").order_by(AuditEvent.id.desc())).first()
    assert count(db, AuditEvent, AuditEvent.action == "chart.read") == reads_before + 1
    assert event.object_type == "episode" and event.object_id == str(episode_id)
    assert event.detail == {"shown": [f"episode:{episode_id}"], "views": ["imported_facts:condition"]}

    paged = client.get(f"/api/episodes/{episode_id}/imported-facts", params={"category": "observation", "limit": 10, "offset": 5}).json()
    assert paged["total"] == lemke["observations"] and len(paged["facts"]) == 10
    bad = client.get(f"/api/episodes/{episode_id}/imported-facts", params={"category": "allergy"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"


def test_roles_without_intake_work_may_read_but_not_import(client_for, episode_id, lemke):
    manager = client_for("manager")
    refused = manager.post(f"/api/episodes/{episode_id}/record-imports", files={"file": ("lemke.json", lemke["data"])})
    assert refused.status_code == 403
    assert manager.get(f"/api/episodes/{episode_id}/imported-facts").status_code == 200
    # A therapist off the caseload reads nothing of the patient's; the front desk not the imported facts.
    assert client_for("therapist").get(f"/api/episodes/{episode_id}/imported-facts").status_code == 403
    assert client_for("front_desk").get(f"/api/episodes/{episode_id}/imported-facts").status_code == 403


def test_the_page_lists_facts_and_its_form_imports_a_file(client_for, episode_id, lemke, db):
    client = client_for("front_desk")
    client.headers.pop("x-csrf-token", None)  # post the way a browser does: the form's own CSRF field
    page = client.get(f"/episodes/{episode_id}/imported")
    assert page.status_code == 200 and "No records have been imported onto this episode." in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    posted = client.post(f"/episodes/{episode_id}/imported", data={"csrf_token": token},
                         files={"file": (LEMKE.name, lemke["data"], "application/json")}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    shown = client.get(posted.headers["location"])
    assert "The records were imported." in shown.text
    # The front desk files the file; the diagnoses it carries are for the clinical team (minimum necessary).
    assert LEMKE.name in shown.text and "Osteoarthritis of knee" not in shown.text
    clinical = client_for("nurse").get(posted.headers["location"]).text
    assert "Osteoarthritis of knee" in clinical and "SNOMED CT" in clinical
    assert f"Conditions <span class=\"muted small\">({lemke['conditions']})</span>" in clinical

    refused = client.post(f"/episodes/{episode_id}/imported", data={"csrf_token": token},
                          files={"file": (FUNK.name, FUNK.read_bytes(), "application/json")})
    assert refused.status_code == 422
    assert "The records were not imported" in refused.text and "This file is for Werner Funk" in refused.text
    assert count(db, RecordImport) == 1

    therapist = client_for("manager")  # reads charts, imports nothing
    view = therapist.get(f"/episodes/{episode_id}/imported")
    assert view.status_code == 200 and "Import records" not in view.text
