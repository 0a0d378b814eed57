"""Journey J7 through the API, with the clock moved forward: 8 PT visits approved, twice a week, and
Thanksgiving in the way. The progress note, the provider follow-up and the extension request open on
visit 5's day and are due before visit 7, so the extension goes out in time and visit 9 is not
blocked; without an answer, the coordinator is told exactly 2 business days before visit 9. Without
the gap week, the rules report visit 9 as unauthorized.

The calendar (Mon/Thu visits from Mon 2 Nov 2026): visits 1-8 on 2, 5, 9, 12, 16, 19, 23 Nov and Fri
27 Nov (Thanksgiving, Thu 26, moved it); visit 9 on Mon 30 Nov."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

PLAN = [date(2026, 11, d) for d in (2, 5, 9, 12, 16, 19, 23, 27)]
VISIT_9 = date(2026, 11, 30)
COMMERCIAL = {"payer_id": "bcbs_commercial", "member_id": "XJH123456789", "effective_from": "2026-01-01"}
LUMBAR = {"problem_summary": "Low back pain after lifting, no leg symptoms", "body_region": "lumbar", "laterality": "bilateral",
          "onset_date": "2026-08-01", "icd10_codes": ["M54.50"]}
GAP_WEEK = {"pt_progress_note", "pt_provider_follow_up", "pt_extension_request"}


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=timezone.utc)  # 10:00 in Chicago


@pytest.fixture
def clock():  # noqa: ANN201
    with time_machine.travel(morning(PLAN[0]), tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(client_for, staff, patient_payload, clock) -> dict:  # noqa: ARG001
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    assert coordinator.post(f"/api/patients/{patient_id}/coverages", json=COMMERCIAL).status_code == 201
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=LUMBAR).json()["id"]
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Riverside PT (onsite)",
        "start_date": "2026-11-02", "frequency_per_week": 2, "duration_weeks": 6})
    assert made.status_code == 201, made.text
    course = made.json()
    assert course["medicare_rules"] is False
    auth = coordinator.post(f"/api/pt-courses/{course['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-02", "window_to": "2026-12-31", "authorization_number": "PT-AUTH-1"})
    assert auth.status_code == 201, auth.text
    return auth.json()


def _visit(client, course: dict, day: date) -> None:  # noqa: ANN001
    made = client.post(f"/api/episodes/{course['episode_id']}/encounters",
                       json={"encounter_type": "pt_visit", "date_of_service": day.isoformat(), "narrative": "Big three, holds of 10 s"})
    assert made.status_code == 201, made.text


def _visits_through(clock, client_for, course: dict, last: date) -> None:  # noqa: ANN001
    """The therapist charts each planned visit on its day (signing in afresh: sessions last hours, not weeks)."""
    charted = {v["on"] for v in client_for("therapist").get(f"/api/pt-courses/{course['id']}").json()["visits"] if v["recorded"]}
    for day in PLAN:
        if day <= last and day.isoformat() not in charted:
            clock.move_to(morning(day))
            _visit(client_for("therapist"), course, day)


def _open_tasks(db, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        return {t.kind: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id, Task.status == "open"))}


def _sweep(ctx, db) -> None:  # noqa: ANN001
    """What the sweeper does every minute: reconcile with the clock's now."""
    with db.session() as session:
        ctx.reconcile(session)


def test_without_the_gap_week_visit_9_would_be_unauthorized(client_for, course, clock, ctx, db):
    (auth,) = course["authorizations"]
    assert [v["on"] for v in course["visits"][:9]] == [d.isoformat() for d in (*PLAN, VISIT_9)]
    assert auth["first_unauthorized_visit"]["number"] == 9 and auth["first_unauthorized_visit"]["on"] == "2026-11-30"
    assert "visit 9 on Mon 30 Nov 2026 is unauthorized" in auth["first_unauthorized_visit"]["words"]
    # Nobody acts on anything: all eight visits are used and visit 9 is still not covered.
    _visits_through(clock, client_for, course, PLAN[-1])
    clock.move_to(morning(date(2026, 11, 28)))
    read = client_for("therapist").get(f"/api/pt-courses/{course['id']}").json()
    (auth,) = read["authorizations"]
    assert (auth["visits_used"], auth["visits_left"], auth["percent_used"]) == (8, 0, 100)
    assert auth["first_unauthorized_visit"]["on"] == "2026-11-30" and auth["extension_requested_at"] is None


def test_the_gap_week_opens_before_visit_7_and_the_extension_goes_out_in_time(client_for, course, clock, ctx, db):
    episode_id = course["episode_id"]
    _visits_through(clock, client_for, course, date(2026, 11, 12))
    assert not GAP_WEEK & set(_open_tasks(db, episode_id))  # visit 4: nothing yet

    _visits_through(clock, client_for, course, date(2026, 11, 16))  # visit 5 opens the gap week
    tasks = _open_tasks(db, episode_id)
    assert GAP_WEEK <= set(tasks)
    due = datetime(2026, 11, 21, 5, 59, 59)  # end of Fri 20 Nov in Chicago, the business day before visit 7
    assert {tasks[k].due_at for k in GAP_WEEK} == {due}
    assert (tasks["pt_progress_note"].owner_role, tasks["pt_extension_request"].owner_role) == ("therapist", "coordinator")
    read = client_for("coordinator").get(f"/api/pt-courses/{course['id']}").json()
    assert {o["kind"] for o in read["obligations"]} >= GAP_WEEK
    assert read["authorizations"][0]["progress_note_due_on"] == "2026-11-20"

    # Visit 6 (Thu 19 Nov): the therapist writes the progress note, the follow-up is booked for visit 7's
    # week, the extension request goes out with the note.
    _visits_through(clock, client_for, course, date(2026, 11, 19))
    therapist, coordinator = client_for("therapist"), client_for("coordinator")
    report = therapist.post(f"/api/pt-courses/{course['id']}/progress-reports", json={
        "written_on": "2026-11-19", "summary": "Sitting 40 min (was 15); ODI 38 -> 26; holds 10 s pain-free"})
    assert report.status_code == 201, report.text
    booked = coordinator.post(f"/api/episodes/{episode_id}/appointments", json={
        "visit_type": "follow_up", "provider_type": "physician", "start_at": "2026-11-24T09:00:00", "reason": "PT progress review"})
    assert booked.status_code == 201, booked.text
    auth = read["authorizations"][0]
    requested = coordinator.post(f"/api/pt-authorizations/{auth['id']}/extension-request", json={"version": 1, "reason": "progress report faxed separately"})
    assert requested.status_code == 200, requested.text
    with db.session() as session:
        states = {t.kind: t.status for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}
    assert {k: states[k] for k in GAP_WEEK} == dict.fromkeys(GAP_WEEK, "met")

    # The payer approves 6 more visits on Tue 24 Nov: visit 9 on Mon 30 Nov is covered, nothing escalates.
    clock.move_to(morning(date(2026, 11, 24)))
    answered = client_for("coordinator").post(f"/api/pt-authorizations/{auth['id']}/extension-answer", json={
        "version": 2, "outcome": "approved", "visits_approved": 6, "window_from": "2026-11-30", "window_to": "2026-12-31",
        "authorization_number": "PT-AUTH-2"})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert [a["visits_approved"] for a in body["authorizations"]] == [8, 6]
    assert all(a["first_unauthorized_visit"] is None for a in body["authorizations"])
    clock.move_to(morning(date(2026, 11, 25)))
    _sweep(ctx, db)
    assert "pt_extension_escalation" not in _open_tasks(db, episode_id)


def test_without_an_answer_the_coordinator_is_told_two_business_days_before_visit_9(client_for, course, clock, ctx, db):
    episode_id = course["episode_id"]
    _visits_through(clock, client_for, course, date(2026, 11, 19))
    auth_id = course["authorizations"][0]["id"]
    assert client_for("coordinator").post(f"/api/pt-authorizations/{auth_id}/extension-request", json={"version": 1, "reason": "progress report faxed separately"}).status_code == 200
    _visits_through(clock, client_for, course, date(2026, 11, 23))
    clock.move_to(morning(date(2026, 11, 24)))
    _sweep(ctx, db)
    assert "pt_extension_escalation" not in _open_tasks(db, episode_id)
    # Wed 25 Nov: two business days before Mon 30 Nov, because Thanksgiving (Thu 26) is not one.
    clock.move_to(morning(date(2026, 11, 25)))
    _sweep(ctx, db)
    escalation = _open_tasks(db, episode_id)["pt_extension_escalation"]
    assert escalation.owner_role == "coordinator"
    assert escalation.due_at == datetime(2026, 11, 26, 5, 59, 59)  # end of Wed 25 Nov in Chicago
    assert "visit 9 is on Mon 30 Nov" in escalation.title
    assert "2 business days before the first unauthorized visit" in escalation.reason
    # The payer's answer closes it.
    clock.move_to(morning(date(2026, 11, 25)).replace(hour=20))
    answered = client_for("coordinator").post(f"/api/pt-authorizations/{auth_id}/extension-answer", json={"version": 2, "outcome": "denied"})
    assert answered.status_code == 200, answered.text
    with db.session() as session:
        task = session.scalars(select(Task).where(Task.episode_id == episode_id, Task.kind == "pt_extension_escalation")).one()
    assert task.status == "met"
