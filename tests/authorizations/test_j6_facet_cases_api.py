"""Journey J6 through the API (Medicare, facet-mediated low back pain): two medial branch blocks, then
radiofrequency ablation. The authorization case reads the blocks recorded in charting and the Medicare
policy pack; nothing here states a threshold itself."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

# Monday 7 Dec 2026, 10:00 in Chicago.
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
MEDICARE = {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"}
LUMBAR = {"problem_summary": "Axial low back pain, worse on extension", "body_region": "lumbar", "laterality": "bilateral",
          "onset_date": "2026-03-01", "icd10_codes": ["M47.816"]}


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode_id(client_for, patient_payload, clock) -> int:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=MEDICARE).status_code == 201
    episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json=LUMBAR)
    assert episode.status_code == 201, episode.text
    episode_id = episode.json()["id"]
    clinician = client_for("clinician")
    care = {"kind": "physical_therapy", "start_date": "2026-06-01", "end_date": "2026-08-15", "source": "reported",
            "description": "PT, core stabilization, 10 weeks", "failed": "yes"}
    assert clinician.post(f"/api/episodes/{episode_id}/conservative-care", json=care).status_code == 201
    mri = {"modality": "mri", "region": "lumbar", "study": "MRI lumbar spine without contrast", "performed_on": "2026-09-01",
           "report_on_file": True, "concordant": "yes", "summary": "Facet arthropathy L4-5, L5-S1; no stenosis"}
    assert coordinator.post(f"/api/episodes/{episode_id}/imaging-studies", json=mri).status_code == 201
    # The disability scale at baseline Medicare asks for: an ODI given at the first visit.
    odi = {"instrument_id": "odi", "answers": {f"odi_{i}": 3 for i in range(1, 11)}, "administered_at": "2026-09-15T10:00:00"}
    assert clinician.post(f"/api/episodes/{episode_id}/instrument-administrations", json=odi).status_code == 201
    return episode_id


def _block(client, episode_id: int, on: str, relief: float, *, exception: str | None = None) -> None:  # noqa: ANN001
    body = {"procedure_key": "mbb_lumbar", "cpt_codes": ["64493", "64494"], "side": "bilateral", "levels": ["L4-5", "L5-S1"],
            "performed_on": on, "baseline_pain": 7, "baseline_scale": "nrs", "spacing_exception": exception}
    made = client.post(f"/api/episodes/{episode_id}/procedures", json=body)
    assert made.status_code == 201, made.text
    report = {"measured_on": on, "percent": relief, "scale": "nrs", "hours_after": 4}
    assert client.post(f"/api/procedures/{made.json()['id']}/relief", json=report).status_code == 201


def _open_rfa(client, episode_id: int) -> dict:  # noqa: ANN001
    opened = client.post(f"/api/episodes/{episode_id}/authorizations", json={
        "procedure_id": "rfa_lumbar", "cpt_codes": ["64635", "64636"], "side": "bilateral", "levels": ["L4-5", "L5-S1"],
        "place_of_service": "22"})
    assert opened.status_code == 201, opened.text
    return opened.json()


def _criterion(case: dict, kind: str) -> dict:
    return next(c for c in case["decision"]["criteria"] if c["type"] == kind)


def test_blocks_of_85_and_78_percent_make_ablation_not_eligible(client_for, episode_id):
    clinician = client_for("clinician")
    _block(clinician, episode_id, "2026-10-01", 85)
    _block(clinician, episode_id, "2026-10-20", 78)
    case = _open_rfa(client_for("coordinator"), episode_id)
    assert case["state"] == "preparing" and case["policy_id"]
    assert case["decision"]["outcome"] == "not_eligible"
    blocks = _criterion(case, "diagnostic_blocks")
    assert blocks["status"] == "not_met"
    assert "78%" in blocks["explanation"] and "80%" in blocks["explanation"]
    # Hospital outpatient (POS 22): Medicare's OPD program requires prior authorization for 64635.
    assert case["decision"]["authorization_required"] is True


def test_blocks_ten_days_apart_are_flagged_unless_an_exception_is_recorded(client_for, episode_id):
    clinician = client_for("clinician")
    _block(clinician, episode_id, "2026-10-01", 90)
    _block(clinician, episode_id, "2026-10-11", 88)
    case = _open_rfa(client_for("coordinator"), episode_id)
    blocks = _criterion(case, "diagnostic_blocks")
    assert blocks["status"] == "not_met" and "10 days" in blocks["explanation"]


def test_blocks_of_85_and_82_percent_15_days_apart_are_eligible_and_submitted_the_same_day(client_for, episode_id, db):
    clinician = client_for("clinician")
    _block(clinician, episode_id, "2026-10-01", 85)
    _block(clinician, episode_id, "2026-10-16", 82)
    coordinator = client_for("coordinator")
    case = _open_rfa(coordinator, episode_id)
    assert _criterion(case, "diagnostic_blocks")["status"] == "met"
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    ready, items = case["kit"]["ready"], case["kit"]["items"]
    assert ready == items > 0

    with db.session() as session:
        titles = [t.title for t in session.scalars(select(Task).where(Task.episode_id == episode_id, Task.status == "open"))]
    assert any(t.startswith("Submit authorization") for t in titles), titles

    submitted = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["state"] == "submitted"
    assert body["eligible_on_at_submission"] == "2026-10-16"  # the day the second qualifying block was done
    with db.session() as session:
        tasks = {t.title: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}
    submit_task = next(t for title, t in tasks.items() if title.startswith("Submit authorization"))
    assert submit_task.status == "met"
    follow_up = next(t for title, t in tasks.items() if title.startswith("Follow up with"))
    assert follow_up.status == "open"
