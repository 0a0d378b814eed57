"""Journey J6 through the API (Medicare, facet-mediated low back pain): two medial branch blocks, then
radiofrequency ablation. The authorization case reads the blocks recorded in charting and the Medicare
policy pack; nothing here states a threshold itself."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from authorization_setup import RFA, facet_episode, frozen_clock, open_case, record_block, record_procedure
from painpath.worklist.models import Task

# Monday 7 Dec 2026, 10:00 in Chicago.
clock = frozen_clock(datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc))


@pytest.fixture
def episode_id(client_for, patient_payload, clock) -> int:
    return facet_episode(client_for("coordinator"), client_for("clinician"), patient_payload)


def _criterion(case: dict, kind: str) -> dict:
    return next(c for c in case["decision"]["criteria"] if c["type"] == kind)


def test_blocks_of_85_and_78_percent_make_ablation_not_eligible(client_for, episode_id):
    clinician = client_for("clinician")
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-20", 78)
    case = open_case(client_for("coordinator"), episode_id, **RFA)
    assert case["state"] == "preparing" and case["policy_id"]
    assert case["decision"]["outcome"] == "not_eligible"
    blocks = _criterion(case, "diagnostic_blocks")
    assert blocks["status"] == "not_met"
    assert "78%" in blocks["explanation"] and "80%" in blocks["explanation"]
    # Hospital outpatient (POS 22): Medicare's OPD program requires prior authorization for 64635.
    assert case["decision"]["authorization_required"] is True


def test_blocks_ten_days_apart_are_flagged_unless_an_exception_is_recorded(client_for, episode_id):
    clinician = client_for("clinician")
    record_block(clinician, episode_id, "2026-10-01", 90)
    record_block(clinician, episode_id, "2026-10-11", 88)
    case = open_case(client_for("coordinator"), episode_id, **RFA)
    blocks = _criterion(case, "diagnostic_blocks")
    assert blocks["status"] == "not_met" and "10 days" in blocks["explanation"]


def test_blocks_of_85_and_82_percent_15_days_apart_are_eligible_and_submitted_the_same_day(client_for, episode_id, db):
    clinician = client_for("clinician")
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    coordinator = client_for("coordinator")
    case = open_case(coordinator, episode_id, **RFA)
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


def test_units_used_are_counted_from_the_ablations_performed_inside_the_approval_window(client_for, episode_id):
    clinician, coordinator = client_for("clinician"), client_for("coordinator")
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    case = open_case(coordinator, episode_id, **RFA)
    submitted = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]}).json()
    approved = coordinator.post(f"/api/authorizations/{case['id']}/decision", json={
        "outcome": "approve", "version": submitted["version"], "authorization_number": "UTN-77", "approved_units": 2,
        "approved_from": "2026-12-01", "approved_to": "2027-02-28"}).json()
    assert (approved["units_used"], approved["units_left"]) == (0, 2)
    # An ablation before the window does not count; one inside it does. Nobody types the count.
    record_procedure(clinician, episode_id, "rfa_lumbar", ["64635"], "2026-11-20", side="bilateral", levels=["L4-5"])
    record_procedure(clinician, episode_id, "rfa_lumbar", ["64635"], "2026-12-04", side="bilateral", levels=["L4-5"])
    after = coordinator.get(f"/api/authorizations/{case['id']}").json()
    assert (after["units_used"], after["units_left"]) == (1, 1)
