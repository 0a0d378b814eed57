"""Appointments: a booking alone does not meet the first-visit obligation (an attended visit does); cancelling
it brings the booking duty back; the lifecycle refuses moves it does not allow, in plain words."""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)
VISIT_DAY = datetime(2026, 12, 10, 15, 35, tzinfo=timezone.utc)  # Thu 10 Dec 09:35 Chicago, just after the visit starts


def _first_visit_tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return [(t.status, t.title, t.resolution) for t in session.scalars(select(Task).where(Task.kind == "first_visit.book").order_by(Task.id))]


def _episode(client, patient_payload, episode_payload) -> int:  # noqa: ANN001
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    return client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]


def test_a_booking_keeps_the_first_visit_owed_until_the_patient_attends(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        episode_id = _episode(client, patient_payload, episode_payload)
        booked = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00", "modality": "telehealth"})
        assert booked.status_code == 201, booked.text
        visit = booked.json()
        assert (visit["visit_type"], visit["provider_type"], visit["status"]) == ("new_patient", "app", "booked")
        assert visit["start_at"] == "2026-12-10T15:30:00Z"  # 09:30 in Chicago, stored as UTC
        # Booked, not attended: the same task stays open, now for the front desk, due the visit's day.
        [(status, title, _)] = _first_visit_tasks(db)
        assert (status, title) == ("open", "Check the patient in at the first visit")
    with time_machine.travel(VISIT_DAY, tick=False):
        desk = client_for("front_desk")  # signed in on the visit day (Monday's session has expired)
        checked = desk.post(f"/api/appointments/{visit['id']}/check-in", json={"version": visit["version"]})
        assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
        assert _first_visit_tasks(db) == [("met", "Check the patient in at the first visit", "First visit attended Thu 10 Dec 2026 09:35")]
        done = desk.post(f"/api/appointments/{visit['id']}/complete", json={"version": checked.json()["version"]})
        assert done.status_code == 200 and done.json()["completed_at"] == "2026-12-10T15:35:00Z"
        with db.session() as session:
            actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "appointment").order_by(AuditEvent.id)))
        assert actions[-3:] == ["appointment.book", "appointment.check_in", "appointment.complete"]


def test_cancel_needs_a_reason_brings_the_duty_back_and_refuses_a_second_cancel(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        episode_id = _episode(client, patient_payload, episode_payload)
        visit = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00"}).json()
        no_reason = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": visit["version"]})
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
        cancelled = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": visit["version"], "reason": "Patient is travelling"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["cancel_reason"] == "Patient is travelling"
        [(status, title, _)] = [t for t in _first_visit_tasks(db) if t[0] == "open"]
        assert title == "Book the first visit"
        assert client.get(f"/api/episodes/{episode_id}").json()["first_visit_at"] is None

        again = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": cancelled.json()["version"], "reason": "again"})
        assert again.status_code == 409
        assert again.json()["errors"][0]["message"] == "Only a booked visit can be cancelled; this visit is cancelled."
        stale = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": 1, "reason": "stale copy"})
        assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"


def test_invalid_moves_are_refused_naming_the_rule(client_for, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        episode_id = _episode(client, patient_payload, episode_payload)
        visit = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00"}).json()
        early = client.post(f"/api/appointments/{visit['id']}/no-show", json={"version": visit["version"]})
        assert early.status_code == 409 and "only after its start time" in early.json()["errors"][0]["message"]
        done = client.post(f"/api/appointments/{visit['id']}/complete", json={"version": visit["version"]}).json()
        for action in ("check-in", "no-show"):
            refused = client.post(f"/api/appointments/{visit['id']}/{action}", json={"version": done["version"]})
            assert refused.status_code == 409 and refused.json()["errors"][0]["message"].endswith("this visit is completed.")
        moved = client.post(f"/api/appointments/{visit['id']}/reschedule", json={"version": done["version"], "start_at": "2026-12-11T10:00:00"})
        assert moved.status_code == 409 and moved.json()["errors"][0]["message"].startswith("Only a booked visit can be rescheduled")


def test_reschedule_marks_the_old_visit_and_links_the_new_booking(client_for, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("front_desk")
        episode_id = _episode(client_for("coordinator"), patient_payload, episode_payload)
        visit = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00", "duration_minutes": 60}).json()
        new = client.post(f"/api/appointments/{visit['id']}/reschedule", json={"version": visit["version"], "start_at": "2026-12-14T13:00:00"})
        assert new.status_code == 201, new.text
        assert (new.json()["status"], new.json()["start_at"], new.json()["duration_minutes"]) == ("booked", "2026-12-14T19:00:00Z", 60)
        visits = {v["id"]: v for v in client.get(f"/api/episodes/{episode_id}/appointments").json()}
        assert visits[visit["id"]]["status"] == "rescheduled" and visits[visit["id"]]["rescheduled_to_id"] == new.json()["id"]
        assert client.get(f"/api/episodes/{episode_id}").json()["first_visit_at"] == "2026-12-14T19:00:00Z"


def test_a_follow_up_does_not_count_as_the_first_visit(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        episode_id = _episode(client, patient_payload, episode_payload)
        client.post(f"/api/episodes/{episode_id}/appointments", json={"visit_type": "follow_up", "start_at": "2026-12-10T09:30:00"})
        assert [(status, title) for status, title, _ in _first_visit_tasks(db)] == [("open", "Book the first visit")]


def test_bad_bookings_name_the_field(client_for, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("front_desk")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = client_for("coordinator").post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        past = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-01T09:30:00"})
        assert past.status_code == 422 and past.json()["errors"][0] == {
            "field": "start_at", "rule": "not_past", "message": "A visit cannot be booked for a time already past"}
        odd = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00", "modality": "carrier_pigeon"})
        assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "modality"
        assert client.post("/api/episodes/9999/appointments", json={"start_at": "2026-12-10T09:30:00"}).status_code == 404
