"""`painpath import records` as an operator runs it: a real subprocess against a migrated SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from painpath.core.audit import Actor, AuditEvent
from painpath.core.db import Database
from painpath.core.migrate import upgrade
from painpath.core.tenancy import Clinic
from painpath.intake.imports.models import ImportedFact, RecordImport
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from external_data import external

SYNTHEA = external("synthea")
BOSCO = SYNTHEA / "r4-bundles" / "Pierre_Bosco_85812c4a-7b8e-4754-aaa4-64b3aef16f7e.json"


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> dict:
    """A migrated SQLite file with one clinic, one patient (Pierre Bosco) and an open episode."""
    path = tmp_path_factory.mktemp("cli") / "painpath.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        clinic = Clinic(name="CLI Clinic")
        session.add(clinic)
        session.flush()
        actor = Actor.system("test", clinic.id)
        patient = patients.create_patient(session, actor=actor, data=PatientIn(
            mrn="MRN-9", given_name="Pierre", family_name="Bosco", birth_date=date(1968, 2, 23), sex="male"))
        episode = patients.open_episode(session, actor=actor, patient_id=patient.id, data=EpisodeIn(
            problem_summary="Right knee pain", body_region="knee", laterality="right"))
        episode_id = episode.id
    yield {"url": url, "db": db, "episode_id": episode_id}
    db.dispose()


def painpath(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAINPATH_")}
    env.update({"PAINPATH_DATABASE_URL": url, "PAINPATH_SECRET_KEY": "c" * 40, "COLUMNS": "160"})
    return subprocess.run([sys.executable, "-m", "painpath.cli", *args], capture_output=True, text=True, env=env, timeout=180)


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (RecordImport, ImportedFact, AuditEvent))


def test_the_cli_files_a_bundle_refuses_a_bad_file_with_exit_code_2_and_files_nothing_twice(cli_db, tmp_path):
    types = [e["resource"]["resourceType"] for e in json.loads(BOSCO.read_bytes())["entry"]]
    episode = str(cli_db["episode_id"])
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle",\n  "type": "collection",\n  "entry": [,]\n}\n')

    # Each file is its own import: the good one is filed, the bad one refused, and the exit code says so.
    result = painpath("import", "records", str(BOSCO), str(broken), "--episode", episode, url=cli_db["url"])

    assert result.returncode == 2, result.stdout + result.stderr
    said = " ".join(result.stdout.split())
    assert f"Filed from {BOSCO.name}: {types.count('Condition')} conditions, {types.count('MedicationRequest')} medications," in said
    assert "Refused broken.json: broken.json is not valid JSON: Expecting value at line 3, column 13." in said
    assert "1 of 2 imports refused" in said and "import #1" in said
    # What was not filed is named by type and reason (Synthea files carry encounters and claims).
    assert f"{types.count('Encounter')} Encounter (not a kind of record the clinic files)" in said
    assert f"{types.count('Claim')} Claim (not a kind of record the clinic files)" in said
    imports, facts, audit_rows = counts(cli_db["db"])
    assert imports == 1 and facts == sum(types.count(t) for t in (
        "Condition", "MedicationRequest", "Procedure", "DiagnosticReport", "ImagingStudy", "Observation"))
    with cli_db["db"].session() as session:
        assert session.scalar(select(RecordImport.imported_by)) == "system:cli"

    again = painpath("import", "records", str(BOSCO), "--episode", episode, url=cli_db["url"])

    assert again.returncode == 0, again.stdout + again.stderr
    assert "already imported onto this episode" in " ".join(again.stdout.split())
    assert counts(cli_db["db"]) == (imports, facts, audit_rows)


def test_the_cli_scores_a_questionnaire_response_and_reports_it(cli_db):
    response = external("questionnaires") / "mii-proms" / "QuestionnaireResponse-mii-exa-pro-phq-9-response.json"
    result = painpath("import", "records", str(response), "--episode", str(cli_db["episode_id"]), url=cli_db["url"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 questionnaire response scored" in " ".join(result.stdout.split())
