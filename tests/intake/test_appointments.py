"""Appointments: booking a first visit meets the first-visit obligation; cancelling it brings the duty back."""

from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from painpath.worklist.models import Task

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def _first_visit_tasks(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return [(t.status, t.resolution) for t in session.scalars(select(Task).where(Task.kind == "first_visit.book").order_by(Task.id))]


def test_book_then_cancel_the_first_visit(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        booked = client.post(f"/api/episodes/{episode_id}/appointments", json={"start_at": "2026-12-10T09:30:00", "modality": "telehealth"})
        assert booked.status_code == 201, booked.text
        visit = booked.json()
        assert (visit["visit_type"], visit["provider_type"], visit["status"]) == ("new_patient", "app", "booked")
        assert visit["start_at"] == "2026-12-10T15:30:00Z"  # 09:30 in Chicago, stored as UTC
        assert _first_visit_tasks(db) == [("met", "First visit booked on Mon 07 Dec 2026 for Thu 10 Dec 2026 09:30")]

        cancelled = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": visit["version"]})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert [status for status, _ in _first_visit_tasks(db)] == ["met", "open"]
        assert client.get(f"/api/episodes/{episode_id}").json()["first_visit_at"] is None

        again = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": cancelled.json()["version"]})
        assert again.status_code == 409
        stale = client.post(f"/api/appointments/{visit['id']}/cancel", json={"version": 1})
        assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "version"


def test_a_follow_up_does_not_count_as_the_first_visit(client_for, db, patient_payload, episode_payload):
    with time_machine.travel(MONDAY, tick=False):
        client = client_for("coordinator")
        patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
        episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
        client.post(f"/api/episodes/{episode_id}/appointments", json={"visit_type": "follow_up", "start_at": "2026-12-10T09:30:00"})
        assert [status for status, _ in _first_visit_tasks(db)] == ["open"]


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
