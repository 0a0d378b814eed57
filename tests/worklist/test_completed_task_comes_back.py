"""A task completed by hand while the facts still owe its work keeps what was done, and comes back (a new
task that says why) once the grace period has passed; a task opened after its due time says it was born late."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from painpath.patients.models import Episode
from painpath.worklist.models import Task

# Monday 5 Jan 2026, 15:00 UTC (09:00 in Chicago).
MONDAY = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
NOTE = "Left a voicemail; the patient books through the outside scheduler"


def _tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return list(session.scalars(select(Task).order_by(Task.id)))


def _reconcile(ctx):  # noqa: ANN001, ANN202
    with ctx.db.session() as session:
        return ctx.reconcile(session)


def test_completed_task_comes_back_after_the_grace_period(client_for, ctx, db, patient_payload, episode_payload):
    assert ctx.settings.completed_task_grace_business_days == 2
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY, tick=False) as clock:
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
        (task,) = _tasks(db)
        clock.move_to(MONDAY + timedelta(days=1))  # Tuesday: done by hand, nothing booked
        done = client.post(f"/api/tasks/{task.id}/complete", json={"version": task.version, "note": NOTE})
        assert done.status_code == 200

        # Within the grace period (to the end of Thursday in Chicago) the person's word stands.
        for moment in (MONDAY + timedelta(days=2), MONDAY + timedelta(days=3, hours=8)):
            clock.move_to(moment)
            assert _reconcile(ctx).opened == 0
            assert [t.status for t in _tasks(db)] == ["done"]

        # Friday: the first visit is still not booked, so the work is back, saying why.
        clock.move_to(MONDAY + timedelta(days=4))
        assert _reconcile(ctx).opened == 1
        old, new = _tasks(db)
        assert (old.status, old.resolution) == ("done", NOTE)  # what was done stays on record
        assert (new.status, new.key, new.due_at) == ("open", old.key, old.due_at)
        assert "Came back" in new.reason and NOTE in new.reason and "Tue 06 Jan 2026" in new.reason
        assert new.reason.startswith(old.reason)
        # Passes over the same facts write nothing more, and keep the note.
        assert _reconcile(ctx).opened == 0 and _reconcile(ctx).refreshed == 0
        page = client.get(f"/tasks/{new.id}")
        assert "Came back" in page.text

        # The patient attends the first visit: the returned task is met.
        booked = client.post(f"/api/episodes/{new.episode_id}/appointments", json={"visit_type": "new_patient", "start_at": "2026-01-14T15:00:00"})
        assert booked.status_code == 201, booked.text
        clock.move_to(datetime(2026, 1, 14, 15, 5))
        arrived = client.post(f"/api/appointments/{booked.json()['id']}/check-in", json={"version": booked.json()["version"]})
        assert arrived.status_code == 200, arrived.text
        assert [t.status for t in _tasks(db)] == ["done", "met"]


def test_a_task_opened_after_its_due_time_says_it_was_born_late(client_for, ctx, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        (task,) = _tasks(db)
        assert "Born late" not in task.reason  # opened well before it is due
        assert client.get("/api/worklist").json()["tasks"][0]["overdue"] is False
        # The referral is found to date from a month earlier: the duty existed before anyone recorded it.
        with db.session() as session:
            session.delete(session.get(Task, task.id))
            session.get(Episode, episode_id).opened_at = datetime(2025, 12, 1, 15, 0)
        _reconcile(ctx)
        (late,) = _tasks(db)
        assert late.due_at < datetime(2026, 1, 5, 15, 0)
        assert "Born late" in late.reason and "Mon 05 Jan 2026" in late.reason
        listed = client.get("/api/worklist").json()["tasks"][0]
        assert listed["overdue"] is True and "Born late" in listed["reason"]
        assert _reconcile(ctx).refreshed == 0


def test_an_open_task_is_shown_overdue_only_once_its_due_time_passes(client_for, ctx, db, patient_payload, episode_payload):
    ctx.settings.session_hours = 24 * 30
    with time_machine.travel(MONDAY, tick=False) as clock:
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
        (task,) = _tasks(db)
        due = task.due_at.replace(tzinfo=timezone.utc)
        for moment, overdue in ((due - timedelta(seconds=1), False), (due + timedelta(seconds=1), True)):
            clock.move_to(moment)
            assert client.get("/api/worklist").json()["tasks"][0]["overdue"] is overdue
            assert ("badge-overdue" in client.get("/worklist").text) is overdue
