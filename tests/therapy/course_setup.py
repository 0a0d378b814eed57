"""A PT course on a new episode, started through the JSON API as the clinic does, for the therapy page tests."""

from __future__ import annotations

from datetime import datetime, timezone

from painpath.therapy.models import PtCourse

NOW = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)  # Monday 30 Nov, 10:00 in Chicago


def start_course(client_for, patient_payload: dict, staff, db, *, episode: dict, window_to: str) -> PtCourse:  # noqa: ANN001
    """A lumbar stabilization course from 16 Nov with Lakeside PT, and its 8 visits authorized to `window_to`."""
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode).json()["id"]
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "onsite", "start_date": "2026-11-16"})
    assert made.status_code == 201, made.text
    assert coordinator.post(f"/api/pt-courses/{made.json()['id']}/authorizations", json={
        "visits_approved": 8, "window_from": "2026-11-16", "window_to": window_to}).status_code == 201
    with db.session() as session:
        row = session.get(PtCourse, made.json()["id"])
        session.expunge(row)
        return row
