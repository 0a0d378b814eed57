"""Imported medications join the episode's medication list: a MedicationRequest coded with an RxNorm
clinical drug (SCD) computes its MME, and one for a drug no pack knows is filed as an other medication,
shown "not assessed by painpath" and named in the import's report, never skipped silently.

The file is the unchanged Synthea bundle of Chet Thompson (tests/data/external/synthea): an active order
for SCD 1049221 "Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet", 1 tablet every 6 hours,
and a stopped order for nitroglycerin spray, which no pack holds."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from painpath.core.audit import Actor
from painpath.medications.other.models import OtherMedication
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from external_data import external

THOMPSON = external("synthea") / "r4-bundles" / "Chet_Thompson_eda17701-070d-4fae-9f7d-c8cd6263b63a.json"
OXYCODONE_FACTOR = 1.5  # CDC 2022 Clinical Practice Guideline MME table: oxycodone, oral


def the_oxycodone_order() -> dict:
    entries = [e["resource"] for e in json.loads(THOMPSON.read_bytes())["entry"]]
    (order,) = [r for r in entries if r["resourceType"] == "MedicationRequest" and r["status"] == "active"]
    return order


def expected_mme() -> float:
    """From the file: the strength its RxNorm name states x tablets per dose x doses a day x the CDC factor."""
    order = the_oxycodone_order()
    display = order["medicationCodeableConcept"]["coding"][0]["display"]
    strength = float(re.search(r"oxyCODONE Hydrochloride (\d+(?:\.\d+)?) MG", display).group(1))  # type: ignore[union-attr]
    dosage = order["dosageInstruction"][0]
    repeat = dosage["timing"]["repeat"]
    assert repeat["periodUnit"] == "h"
    per_day = 24 / repeat["period"] * repeat["frequency"]
    tablets = dosage["doseAndRate"][0]["doseQuantity"]["value"]
    return strength * tablets * per_day * OXYCODONE_FACTOR


@pytest.fixture
def episode_id(db, clinic, staff) -> int:
    actor = Actor.system("test", clinic.id)
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-CT", given_name="Chet", family_name="Thompson", birth_date=date(1939, 1, 27), sex="male"))
        return patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Chronic low back pain", body_region="lumbar", laterality="none")).id


def test_an_scd_order_computes_mme_and_an_unknown_drug_is_filed_and_reported(client_for, episode_id, db):
    assert expected_mme() == 30.0  # guards the reading of the file: 5 mg x 1 x 4 a day x 1.5
    clinician = client_for("clinician")
    answer = clinician.post(f"/api/episodes/{episode_id}/record-imports", content=THOMPSON.read_bytes(),
                            headers={"content-type": "application/fhir+json"}, params={"filename": THOMPSON.name})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["counts"]["medication"] == 2
    report = body["skipped"]["medications"]
    assert report["filed"] == 2
    assert [m["name"] for m in report["counted"]] == ["Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet"]
    assert [m["name"] for m in report["not_assessed"]] == ["Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray"]
    assert "1 with MME computed" in body["message"] and f"{expected_mme():g} MME/day" in body["message"]
    assert body["message"].endswith("1 not assessed by painpath (Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray).")

    listed = {m["rxnorm_code"]: m for m in clinician.get(f"/api/episodes/{episode_id}/other-medications").json()}
    oxycodone, nitroglycerin = listed["1049221"], listed["705129"]
    assert (oxycodone["origin"], oxycodone["record_status"], oxycodone["assessment"]["status"]) == ("imported", "active", "counted")
    assert oxycodone["assessment"]["daily_mme"] == expected_mme() and oxycodone["assessment"]["drug_key"] == "oxycodone"
    assert (nitroglycerin["record_status"], nitroglycerin["assessment"]["status"]) == ("stopped", "not_assessed")
    assert nitroglycerin["assessment"]["words"] == "not assessed by painpath"
    assert nitroglycerin["source_ref"].startswith("MedicationRequest/")

    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", clinician.get(f"/episodes/{episode_id}").text)))
    assert "30 MME/day from the record's dose" in page and "Imported records" in page
    assert "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray" in page and "stopped in the imported record" in page

    # Importing the same file again files nothing twice.
    again = clinician.post(f"/api/episodes/{episode_id}/record-imports", content=THOMPSON.read_bytes(),
                           headers={"content-type": "application/fhir+json"}, params={"filename": THOMPSON.name})
    assert again.status_code == 200 and again.json()["already_imported"]
    with db.session() as session:
        assert len(session.scalars(select(OtherMedication)).all()) == 2
