"""Electronic records filed onto an episode from the real Synthea files: every R4 bundle onto a chart of
its own patient, a Bulk Data NDJSON export for one of its patients, refusals that leave the chart as it
was, and re-imports that file nothing twice. Expected counts come from plain `json`, never from our code."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from painpath.core.audit import Actor, AuditEvent
from painpath.intake.imports.models import ImportedFact, RecordImport
from painpath.intake.imports.service import RecordsRefused, import_records
from painpath.intake.imports.timeline import import_entries
from painpath.patients import service as patients
from painpath.patients.models import Episode
from painpath.patients.schemas import EpisodeIn, PatientIn
from external_data import external

SYNTHEA = external("synthea")
BUNDLES = sorted((SYNTHEA / "r4-bundles").glob("*.json"))
NDJSON = SYNTHEA / "bulk-ndjson-10-patients"
assert len(BUNDLES) == 17, f"the 17 Synthea R4 bundles are not all in {SYNTHEA}"
MEDICATIONS = ("MedicationRequest", "MedicationStatement")


@dataclass(frozen=True)
class Expected:
    """One bundle as plain json sees it."""

    path: Path
    data: bytes
    family: str
    given: str
    birth_date: date
    mr_identifier: str
    counts: dict[str, int]  # condition, medication, procedure entries about the Patient


def _expected(path: Path) -> Expected:
    data = path.read_bytes()
    entries = json.loads(data)["entry"]
    (patient_entry,) = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    patient = patient_entry["resource"]
    about = Counter(
        e["resource"]["resourceType"] for e in entries
        if e["resource"].get("subject", {}).get("reference") == patient_entry["fullUrl"]
    )
    mr = next(i["value"] for i in patient["identifier"] if i.get("type", {}).get("coding", [{}])[0].get("code") == "MR")
    return Expected(
        path=path, data=data, family=patient["name"][0]["family"], given=patient["name"][0]["given"][0],
        birth_date=date.fromisoformat(patient["birthDate"]), mr_identifier=mr,
        counts={"condition": about["Condition"], "medication": sum(about[t] for t in MEDICATIONS), "procedure": about["Procedure"]},
    )


@pytest.fixture(scope="module")
def expected() -> dict[str, Expected]:
    """Each bundle read once per module."""
    return {path.name: _expected(path) for path in BUNDLES}


@pytest.fixture
def actor(db, clinic) -> Actor:
    return Actor.system("test", clinic.id)


def open_chart(db, actor: Actor, family: str, given: str, born: date, mrn: str = "MRN-1") -> int:
    """A patient and an open episode; returns the episode id."""
    with db.session() as session:
        patient = patients.create_patient(session, actor=actor, data=PatientIn(mrn=mrn, given_name=given, family_name=family, birth_date=born, sex="unknown"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Chronic pain referral", body_region="lumbar", laterality="none"))
        return episode.id


def rows(db) -> dict[str, int]:
    with db.session() as session:
        return {
            "imports": session.scalar(select(func.count()).select_from(RecordImport)),
            "facts": session.scalar(select(func.count()).select_from(ImportedFact)),
            "audit": session.scalar(select(func.count()).select_from(AuditEvent)),
        }


def run_import(db, actor, episode_id, source, filename=None):  # noqa: ANN001, ANN201
    with db.session() as session:
        return import_records(session, actor=actor, episode_id=episode_id, path_or_bytes=source, filename=filename)


# Every bundle -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [p.name for p in BUNDLES])
def test_each_synthea_bundle_files_its_patients_records(db, actor, expected, name):
    bundle = expected[name]
    # The chart as the front desk typed it: Synthea's digits and the case are the sender's business.
    family = "".join(ch for ch in bundle.family if not ch.isdigit()).upper()
    episode_id = open_chart(db, actor, family, bundle.given.lower(), bundle.birth_date)

    summary = run_import(db, actor, episode_id, bundle.path)

    assert not summary.already_imported and summary.format == "bundle" and summary.filename == name
    assert {c: summary.counts[c] for c in bundle.counts} == bundle.counts
    assert summary.skipped["other_patients"] == 0 and summary.skipped["unattached"] == 0
    with db.session() as session:
        filed = Counter(session.scalars(select(ImportedFact.category).where(ImportedFact.episode_id == episode_id)))
        row = session.scalar(select(RecordImport).where(RecordImport.episode_id == episode_id))
        audit_rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "records.import")))
    assert {c: filed[c] for c in bundle.counts} == bundle.counts
    assert sum(filed.values()) == summary.filed == sum(row.counts.values())
    assert row.sha256 == hashlib.sha256(bundle.data).hexdigest() and row.imported_by == "system:test"
    (event,) = audit_rows
    assert event.object_id == str(row.id) and event.detail["counts"] == row.counts
    shown = json.dumps(event.detail).lower()
    assert bundle.family.lower() not in shown and bundle.given.lower() not in shown and name.lower() not in shown


def test_facts_carry_codes_dates_values_and_provenance(db, actor, expected):
    bundle = expected["Elvina_Lemke_f2a4f241-ad65-4a1b-8b54-b5717a2338b6.json"]
    episode_id = open_chart(db, actor, bundle.family, bundle.given, bundle.birth_date)
    summary = run_import(db, actor, episode_id, bundle.data, filename="lemke.json")
    with db.session() as session:
        facts = list(session.scalars(select(ImportedFact).where(ImportedFact.episode_id == episode_id)))
    knee = next(f for f in facts if f.code == "239873007")
    assert (knee.category, knee.code_system, knee.display) == ("condition", "http://snomed.info/sct", "Osteoarthritis of knee")
    oxycodone = [f for f in facts if f.category == "medication" and "oxycodone" in (f.display or "").lower()]
    assert oxycodone and oxycodone[0].code_system == "http://www.nlm.nih.gov/research/umls/rxnorm"
    height = next(f for f in facts if f.code == "8302-2")
    assert height.code_system == "http://loinc.org" and height.unit == "cm" and height.value_number > 100
    for fact in facts:
        assert fact.import_id == summary.import_id and fact.full_url == f"urn:uuid:{fact.fhir_id}"
        assert fact.source_location.startswith("entry[") and fact.effective_date is not None


def test_a_chart_whose_mrn_is_the_senders_record_number_matches_by_identifier(db, actor, expected):
    bundle = expected["Rufus_Kihn_6b950b05-7dbf-450f-bca9-f05acff7a452.json"]
    episode_id = open_chart(db, actor, "Kihn-Smith", "Rufus", date(1976, 9, 17), mrn=bundle.mr_identifier)
    assert run_import(db, actor, episode_id, bundle.path).counts["condition"] == bundle.counts["condition"]


# Bulk Data NDJSON -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ndjson_people() -> dict:
    """The export's patients and, per patient id, their Condition/Medication/Procedure lines, by plain json."""
    people = [json.loads(line) for line in (NDJSON / "Patient.000.ndjson").read_text().splitlines() if line.strip()]
    per_patient: dict[str, Counter] = {}
    for kind in ("Condition", "MedicationRequest", "Procedure"):
        for line in (NDJSON / f"{kind}.000.ndjson").read_text().splitlines():
            if line.strip():
                resource = json.loads(line)
                pid = resource["subject"]["reference"].removeprefix("Patient/")
                per_patient.setdefault(pid, Counter())[kind] += 1
    return {"patients": people, "counts": per_patient}


def test_a_bulk_export_folder_files_only_the_matched_patient(db, actor, ndjson_people):
    # The patient with Chronic low back pain and Chronic neck pain (SNOMED 278860009, 1121000119107).
    back_pain = {json.loads(line)["subject"]["reference"].removeprefix("Patient/")
                 for line in (NDJSON / "Condition.000.ndjson").read_text().splitlines() if '"278860009"' in line}
    person = next(p for p in ndjson_people["patients"] if p["id"] in sorted(back_pain))
    family = "".join(ch for ch in person["name"][0]["family"] if ch.isalpha())
    given = "".join(ch for ch in person["name"][0]["given"][0] if ch.isalpha())
    episode_id = open_chart(db, actor, family, given, date.fromisoformat(person["birthDate"]))

    summary = run_import(db, actor, episode_id, NDJSON)

    mine = ndjson_people["counts"][person["id"]]
    others = sum(sum(c.values()) for pid, c in ndjson_people["counts"].items() if pid != person["id"])
    assert summary.format == "ndjson" and summary.filename == "bulk-ndjson-10-patients/"
    assert summary.counts["condition"] == mine["Condition"]
    assert summary.counts["medication"] == mine["MedicationRequest"]
    assert summary.counts["procedure"] == mine["Procedure"]
    assert summary.skipped["other_patients"] == len(ndjson_people["patients"]) - 1 == 12
    assert summary.skipped["other_patient_resources"] == others
    assert summary.skipped["files_not_fhir"] == ["log.ndjson"]
    assert "were not filed" in summary.message
    with db.session() as session:
        codes = set(session.scalars(select(ImportedFact.code).where(ImportedFact.episode_id == episode_id, ImportedFact.category == "condition")))
        locations = set(session.scalars(select(ImportedFact.source_location).where(ImportedFact.episode_id == episode_id)))
    assert {"278860009", "1121000119107"} <= codes
    assert all(loc.split(" line ")[0] in {"Condition.000.ndjson", "MedicationRequest.000.ndjson", "Procedure.000.ndjson"} for loc in locations)


# Refusals leave the chart as it was -------------------------------------------------------------------

@pytest.mark.parametrize("case", ["malformed", "not_fhir", "other_patient", "invalid_resource"])
def test_a_refused_file_leaves_the_chart_unchanged(db, actor, expected, case, tmp_path):
    lemke = expected["Elvina_Lemke_f2a4f241-ad65-4a1b-8b54-b5717a2338b6.json"]
    episode_id = open_chart(db, actor, lemke.family, lemke.given, lemke.birth_date)
    if case == "malformed":
        source, words = lemke.data[: len(lemke.data) // 2], "is not valid JSON: "
    elif case == "not_fhir":
        source, words = json.dumps({"patient": "Elvina Lemke", "records": []}).encode(), "is JSON but not FHIR: it has no resourceType"
    elif case == "other_patient":
        source, words = expected["Werner_Funk_88980c97-df54-464c-9fd9-ba079f2f1d98.json"].data, (
            "This file is for Werner Funk, born 1915-07-03; the episode is for Elvina Lemke, born 1953-06-02.")
    else:  # an Observation without its required status, deep in a real bundle
        bundle = json.loads(lemke.data)
        observation = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
        del observation["status"]
        source, words = json.dumps(bundle).encode(), f"Observation {observation['id']} (entry["
    before = rows(db)

    with pytest.raises(RecordsRefused) as refused:
        run_import(db, actor, episode_id, source, filename="incoming.json")

    assert words in refused.value.problems[0].message
    assert refused.value.problems[0].field == "file" and refused.value.status_code == 422
    assert rows(db) == before


def test_malformed_json_is_reported_with_line_and_column(db, actor, expected):
    lemke = expected["Elvina_Lemke_f2a4f241-ad65-4a1b-8b54-b5717a2338b6.json"]
    episode_id = open_chart(db, actor, lemke.family, lemke.given, lemke.birth_date)
    broken = lemke.data.replace(b'"resourceType": "Patient"', b'"resourceType": "Patient",,', 1)
    with pytest.raises(RecordsRefused) as refused:
        run_import(db, actor, episode_id, broken, filename="lemke.json")
    error = refused.value.error
    assert error.kind == "malformed_json" and error.line > 1
    assert f"lemke.json is not valid JSON: Expecting property name enclosed in double quotes at line {error.line}, column {error.column}." == error.message


# Idempotency --------------------------------------------------------------------------------------

def test_re_importing_the_same_file_files_nothing_twice(db, actor, expected):
    bundle = expected["Jacki_Feil_2dfcf7a9-5fb8-4f56-9cf3-a35a74c60438.json"]
    episode_id = open_chart(db, actor, bundle.family, bundle.given, bundle.birth_date)
    first = run_import(db, actor, episode_id, bundle.path)
    after_first = rows(db)

    again = run_import(db, actor, episode_id, bundle.data, filename="renamed-copy.json")

    assert again.already_imported and again.import_id == first.import_id and again.counts == first.counts
    assert again.message.startswith(f"{bundle.path.name} was already imported onto this episode") and "nothing was filed twice" in again.message
    assert rows(db) == after_first

    # Another episode of the same patient is another chart context: the file is filed there too.
    with db.session() as session:
        patient_id = session.get(Episode, episode_id).patient_id
        second = patients.open_episode(session, actor=actor, patient_id=patient_id, data=EpisodeIn(
            problem_summary="Second problem", body_region="knee", laterality="left")).id
    assert not run_import(db, actor, second, bundle.path).already_imported


# Timeline -----------------------------------------------------------------------------------------

def test_the_timeline_says_what_was_imported_from_which_file(db, ctx, actor, expected):
    bundle = expected["Pierre_Bosco_85812c4a-7b8e-4754-aaa4-64b3aef16f7e.json"]
    episode_id = open_chart(db, actor, bundle.family, bundle.given, bundle.birth_date)
    summary = run_import(db, actor, episode_id, bundle.path)
    with db.session() as session:
        (entry,) = import_entries(session, session.get(Episode, episode_id), ctx.calendar)
    assert entry.kind == "records.imported" and entry.source == "imports" and entry.at == summary.imported_at
    assert entry.summary == (f"Records imported from {bundle.path.name}: 8 conditions, 3 medications, 6 procedures, "
                             "5 diagnostic reports, 1 imaging study, 79 observations")
