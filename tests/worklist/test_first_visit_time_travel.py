"""The engine end to end: facts change and the clock moves; tasks open, go overdue and close."""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task
from painpath.worklist.sweeper import sweep_overdue

# Monday 5 Jan 2026, 15:00 UTC (09:00 in Chicago), the intake call of journey J1.
MONDAY = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


def _tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return list(session.scalars(select(Task).order_by(Task.id)))


def test_first_visit_task_opens_goes_overdue_and_closes_when_booked(client_for, ctx, db, patient_payload, episode_payload):
    target = ctx.settings.first_visit_target_business_days
    ctx.settings.session_hours = 24 * 30  # one sign-in lasts the whole simulated month
    with time_machine.travel(MONDAY, tick=False) as clock:
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]

        (task,) = _tasks(db)
        assert (task.kind, task.status, task.owner_role) == ("first_visit.book", "open", "coordinator")
        # 10 business days after Mon 5 Jan: MLK Day (Mon 19 Jan) is skipped, so Tue 20 Jan, end of day in Chicago.
        assert target == 10
        assert task.due_at == datetime(2026, 1, 21, 5, 59, 59)
        assert "within 10 business days" in task.reason
        assert task.evidence["due_date"] == "2026-01-20"

        # A week later it is neither overdue nor flagged.
        clock.move_to(datetime(2026, 1, 12, 15, 0, tzinfo=timezone.utc))
        assert sweep_overdue(db, datetime(2026, 1, 12, 15, 0)) == 0
        listed = client.get("/api/worklist", params={"mine": True}).json()
        assert listed["counts"] == {"open": 1, "overdue": 0, "due_today": 0, "claimed": 0, "unclaimed": 1, "closed_today": 0}

        # Past the due time the worklist says overdue and the sweeper flags it once.
        clock.move_to(datetime(2026, 1, 21, 14, 0, tzinfo=timezone.utc))
        assert client.get("/api/worklist", params={"overdue": True}).json()["tasks"][0]["overdue"] is True
        assert sweep_overdue(db, datetime(2026, 1, 21, 14, 0)) == 1
        assert sweep_overdue(db, datetime(2026, 1, 21, 14, 5)) == 0

        # Booking the first visit does not meet the obligation (attending does): the task moves to the front
        # desk, due the visit's day.
        booked = client.post(f"/api/episodes/{episode_id}/appointments", json={"visit_type": "new_patient", "start_at": "2026-01-23T15:00:00"})
        assert booked.status_code == 201, booked.text
        (task,) = _tasks(db)
        assert (task.status, task.owner_role, task.title) == ("open", "front_desk", "Check the patient in at the first visit")
        # Times without an offset are the clinic's wall clock, and people read them that way back.
        assert "Fri 23 Jan 2026 15:00" in task.reason
        with db.session() as session:
            from painpath.patients.models import Episode

            assert session.get(Episode, episode_id).first_visit_at == datetime(2026, 1, 23, 21, 0)
        in_the_past = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-01-20T09:00:00-06:00"})
        assert in_the_past.status_code == 422 and in_the_past.json()["errors"][0]["rule"] == "not_past"
        assert client.get("/api/worklist", params={"mine": True}).json()["tasks"] == []

        timeline = client.get(f"/api/episodes/{episode_id}/timeline").json()
        kinds = [e["kind"] for e in timeline]
        assert kinds[:2] == ["episode.opened", "task.opened"]  # the rest happened in the same instant
        assert {"appointment.booked", "first_visit.booked"} <= set(kinds[2:]) and "task.met" not in kinds


def test_discharging_the_episode_cancels_its_open_task(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()
        client.put(f"/api/episodes/{episode['id']}", json={**episode_payload, "status": "discharged", "version": episode["version"]})
    (task,) = _tasks(db)
    assert task.status == "cancelled"
    with db.session() as session:
        # In the order they happened: rows come back in no set order without ORDER BY (PostgreSQL reuses deleted rows' space).
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task").order_by(AuditEvent.id)).all()
    assert actions == ["task.open", "task.cancelled"]


def test_changing_the_clinic_target_moves_the_due_date_and_keeps_the_claim(client_for, ctx, db, staff, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
        (task,) = _tasks(db)
        assert client.post(f"/api/tasks/{task.id}/claim", json={"version": task.version}).status_code == 200

        ctx.settings.first_visit_target_business_days = 3
        with db.session() as session:
            result = ctx.reconcile(session)
        assert result.refreshed == 1 and result.opened == 0
        (task,) = _tasks(db)
        assert task.due_at == datetime(2026, 1, 9, 5, 59, 59)  # Thu 8 Jan, end of day in Chicago
        assert task.assignee_id == staff["coordinator"].id


def test_a_person_completing_the_task_is_not_undone_by_reconciliation(client_for, ctx, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
        (task,) = _tasks(db)
        done = client.post(f"/api/tasks/{task.id}/complete", json={"version": task.version, "note": "Booked by phone in the outside scheduler"})
        assert done.status_code == 200 and done.json()["status"] == "done"
        with db.session() as session:
            assert ctx.reconcile(session).opened == 0
        assert [t.status for t in _tasks(db)] == ["done"]
