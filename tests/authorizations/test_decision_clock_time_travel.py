"""The payer's decision clock on the worklist, with the clock really moving: a submitted case's
"Follow up with the payer" task is due exactly when the payer's clock (from the payer pack) runs out,
across Thanksgiving and the year end, and the deadline sweeper flags it overdue only once that moment
has passed. The clinic is in Chicago; the cases are knee corticosteroid injections, which the Medicare
and California workers' compensation policies accept without conditions, so only the clock matters.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.core.clock import utcnow
from painpath.worklist.models import Task
from painpath.worklist.sweeper import sweep_overdue

KNEE = {"problem_summary": "Right knee pain after a fall at work", "body_region": "knee", "laterality": "right",
        "onset_date": "2026-10-01", "icd10_codes": ["M25.561"]}
COVERAGES = {
    "ca_workers_comp": {"payer_id": "ca_workers_comp", "member_id": "WC-2026-4471", "effective_from": "2026-01-01"},
    "medicare_noridian_jf": {"payer_id": "medicare_noridian_jf", "member_id": "1EG4TE5MK73", "effective_from": "2026-01-01"},
}


def _chicago(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Chicago wall-clock time in November-January (standard time, UTC-6) as an aware UTC time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc) + timedelta(hours=6)


CASES = [
    # (payer, priority, submitted at, follow-up due: close of the clinic day the clock runs out)
    pytest.param("ca_workers_comp", "standard", _chicago(2026, 11, 25, 10), _chicago(2026, 12, 3, 23, 59, 59),
                 id="workers-comp-5-business-days-across-thanksgiving"),
    pytest.param("medicare_noridian_jf", "expedited", _chicago(2026, 11, 25, 10), _chicago(2026, 11, 30, 23, 59, 59),
                 id="medicare-expedited-2-business-days-across-thanksgiving"),
    pytest.param("ca_workers_comp", "standard", _chicago(2026, 12, 29, 10), _chicago(2027, 1, 6, 23, 59, 59),
                 id="workers-comp-5-business-days-across-the-year-end"),
]


def _submitted_case(ctx, client_for, patient_payload, payer_id: str, priority: str) -> tuple[int, int]:  # noqa: ANN001
    ctx.settings.session_hours = 24 * 30  # the clock moves more than a week; stay signed in
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=COVERAGES[payer_id]).status_code == 201
    episode = coordinator.post(f"/api/patients/{patient_id}/episodes", json=KNEE)
    assert episode.status_code == 201, episode.text
    episode_id = episode.json()["id"]
    opened = coordinator.post(f"/api/episodes/{episode_id}/authorizations", json={
        "procedure_id": "knee_steroid_injection", "cpt_codes": ["20610"], "side": "right", "priority": priority})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["payer_id"] == payer_id and case["decision"]["outcome"] == "eligible_now", case["decision"]
    submitted = coordinator.post(f"/api/authorizations/{case['id']}/submit", json={"channel": "fax", "version": case["version"]})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"
    return episode_id, case["id"]


def _follow_up(ctx, case_id: int) -> Task:  # noqa: ANN001
    with ctx.db.session() as session:
        tasks = [t for t in session.scalars(select(Task).where(Task.key == f"auth:decision:case:{case_id}"))]
        assert len(tasks) == 1, [t.key for t in tasks]
        session.expunge(tasks[0])
        return tasks[0]


@pytest.mark.parametrize(("payer_id", "priority", "submitted_at", "due_at"), CASES)
def test_follow_up_is_due_when_the_payer_clock_runs_out_and_flagged_only_after(
    ctx, client_for, patient_payload, payer_id, priority, submitted_at, due_at,
):
    with time_machine.travel(submitted_at, tick=False) as clock:
        _, case_id = _submitted_case(ctx, client_for, patient_payload, payer_id, priority)
        task = _follow_up(ctx, case_id)
        assert task.title.startswith("Follow up with")
        assert task.status == "open" and task.owner_role == "coordinator"
        assert task.due_at == due_at.replace(tzinfo=None)

        # One second before the clock runs out: the sweeper leaves it alone.
        clock.move_to(due_at - timedelta(seconds=1))
        sweep_overdue(ctx.db, utcnow())
        assert _follow_up(ctx, case_id).overdue_flagged_at is None

        # The last day itself, mid-morning: still not overdue.
        clock.move_to(due_at - timedelta(hours=14))
        sweep_overdue(ctx.db, utcnow())
        assert _follow_up(ctx, case_id).overdue_flagged_at is None

        # Just past the close of that day: flagged, once.
        clock.move_to(due_at + timedelta(seconds=1))
        sweep_overdue(ctx.db, utcnow())
        flagged = _follow_up(ctx, case_id)
        assert flagged.overdue_flagged_at == (due_at + timedelta(seconds=1)).replace(tzinfo=None)
        assert flagged.status == "open"


def test_a_decision_recorded_in_time_closes_the_follow_up_before_the_sweeper_sees_it(ctx, client_for, patient_payload):
    submitted_at, due_at = _chicago(2026, 11, 25, 10), _chicago(2026, 12, 3, 23, 59, 59)
    with time_machine.travel(submitted_at, tick=False) as clock:
        _, case_id = _submitted_case(ctx, client_for, patient_payload, "ca_workers_comp", "standard")
        # The carrier answers on Wed 2 Dec (day 4 of 5).
        clock.move_to(_chicago(2026, 12, 2, 15))
        coordinator = client_for("coordinator")
        case = coordinator.get(f"/api/authorizations/{case_id}").json()
        answered = coordinator.post(f"/api/authorizations/{case_id}/decision", json={
            "outcome": "approve", "version": case["version"], "authorization_number": "UR-88213", "approved_units": 1,
            "approved_from": "2026-12-02", "approved_to": "2027-03-02"})
        assert answered.status_code == 200, answered.text
        assert _follow_up(ctx, case_id).status == "met"
        clock.move_to(due_at + timedelta(days=1))
        sweep_overdue(ctx.db, utcnow())
        assert _follow_up(ctx, case_id).overdue_flagged_at is None
