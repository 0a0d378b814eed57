"""Questionnaire answers arriving in imported records: a QuestionnaireResponse about the chart's patient
is filed as an instrument administration scored by our engine (a positive PHQ-9 item 9 opens the safety
task), LOINC answer codes are read without a ValueSet, a Questionnaire with small faults warns, and every
resource not filed is reported by type and reason. The responses are published examples
(tests/data/external/questionnaires, see its SOURCES.md), wrapped in a Bundle with the chart's patient."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import select

from external_data import external
from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.audit import Actor
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist.models import Task

QUESTIONNAIRES = external("questionnaires")
MII = QUESTIONNAIRES / "mii-proms"
DTR = QUESTIONNAIRES / "davinci-dtr-ig-2.0.1-examples"
PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Lemke", "given": ["Elvina"]}], "birthDate": "1953-06-02"}


def _load(path) -> dict:  # noqa: ANN001
    return json.loads(path.read_text())


def _about_p1(resource: dict) -> dict:
    found = copy.deepcopy(resource)
    found["subject"] = {"reference": "Patient/p1"}
    return found


def _bundle(*resources: dict) -> bytes:
    entries = [{"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{i:012d}", "resource": r} for i, r in enumerate((PATIENT, *resources))]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


@pytest.fixture
def episode_id(db, clinic, staff) -> int:
    actor = Actor.system("test", clinic.id)
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-77", given_name="Elvina", family_name="Lemke", birth_date=date(1953, 6, 2), sex="female"))
        return patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Low back pain", body_region="lumbar", laterality="none", icd10_codes=["M54.50"])).id


def _upload(client, episode_id: int, data: bytes):  # noqa: ANN001, ANN202
    return client.post(f"/api/episodes/{episode_id}/record-imports", files={"file": ("answers.json", data, "application/fhir+json")})


def _administrations(db, episode_id: int) -> list[InstrumentAdministration]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(InstrumentAdministration).where(InstrumentAdministration.episode_id == episode_id)))


def test_a_phq9_response_with_loinc_answer_codes_is_scored_by_our_engine_and_opens_the_safety_task(client_for, episode_id, db):
    # The MII example answers every item "Nearly every day" as bare LOINC codes (LA6571-9), no ValueSet in the file.
    response = _about_p1(_load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"))
    answer = _upload(client_for("nurse"), episode_id, _bundle(response))

    assert answer.status_code == 201, answer.text
    (row,) = _administrations(db, episode_id)
    assert row.instrument_id == "phq9" and row.source == "fhir_import"
    assert row.answers["phq9_9"] == 3 and row.total == 27  # our sum, equal to the score the source carried
    with db.session() as session:
        (task,) = session.scalars(select(Task).where(Task.kind == "instruments.safety_review", Task.episode_id == episode_id))
        assert task.status == "open"
    assert "1 questionnaire response scored" in answer.json()["message"]


def test_every_resource_not_filed_is_reported_by_type_and_reason(client_for, episode_id, db):
    phq9 = _about_p1(_load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"))
    oxygen = _about_p1(_load(DTR / "QuestionnaireResponse-home-o2-questionnaireresponse.json"))
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"}}
    answer = _upload(client_for("nurse"), episode_id, _bundle(phq9, oxygen, encounter))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    skipped = {(r["type"], r["reason"]): r["count"] for r in body["skipped"]["resources"]}
    assert skipped[("Encounter", "not a kind of record the clinic files")] == 1
    assert skipped[("QuestionnaireResponse", "answers a questionnaire that is not one of the clinic's scored instruments")] == 1
    assert "Not filed: " in body["message"] and "1 Encounter (not a kind of record the clinic files)" in body["message"]
    assert [r.instrument_id for r in _administrations(db, episode_id)] == ["phq9"]


def test_a_questionnaire_with_small_faults_warns_and_the_answers_are_filed(client_for, episode_id, db):
    questionnaire = _load(MII / "Questionnaire-mii-qst-pro-phq-9.json")
    del questionnaire["item"][0]["type"]  # a display item without its required type: a small fault
    response = _about_p1(_load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"))
    response["questionnaire"] = questionnaire.get("url") or f"Questionnaire/{questionnaire['id']}"
    answer = _upload(client_for("nurse"), episode_id, _bundle(questionnaire, response))

    assert answer.status_code == 201, answer.text
    assert len(_administrations(db, episode_id)) == 1
    warnings = answer.json()["skipped"]["warnings"]
    assert warnings and "does not conform" in warnings[0] and "type" in warnings[0]
    assert "Warnings: " in answer.json()["message"]


def test_answers_that_cannot_be_read_skip_the_response_with_the_reason_and_file_the_rest(client_for, episode_id, db):
    response = _about_p1(_load(MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"))
    for item in response["item"][:9]:
        item["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA9999-9"}}]  # no such answer
    answer = _upload(client_for("nurse"), episode_id, _bundle(response))

    assert answer.status_code == 201, answer.text
    (skip,) = [r for r in answer.json()["skipped"]["resources"] if r["type"] == "QuestionnaireResponse"]
    assert skip["reason"].startswith("PHQ-9 answers could not be read") and "LA9999-9" in skip["reason"]
    assert _administrations(db, episode_id) == []


def test_a_response_uploaded_alone_on_the_episode_page_is_filed_for_the_episodes_patient(client_for, episode_id, db):
    # The MII response's subject is "Patient/example": no Patient in the file, the episode chosen names the patient.
    data = (MII / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json").read_bytes()
    nurse = client_for("nurse")
    sent = nurse.post(f"/episodes/{episode_id}/imported", files={"file": ("phq9.json", data, "application/fhir+json")}, follow_redirects=False)

    assert sent.status_code == 303, sent.text
    (row,) = _administrations(db, episode_id)
    assert row.instrument_id == "phq9" and row.total == 27
    shown = nurse.get(sent.headers["location"]).text
    assert "1 questionnaire response scored" in shown
