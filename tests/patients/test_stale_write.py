"""Optimistic locking: a stale version is refused with 409 and nothing is overwritten."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from painpath.patients.models import Episode, Patient


def test_stale_patient_update_returns_409_and_leaves_row_unchanged(client_for, db, patient_payload):
    alice = client_for("front_desk")
    bob = client_for("coordinator")
    created = alice.post("/api/patients", json=patient_payload).json()
    assert created["version"] == 1

    first = alice.put(f"/api/patients/{created['id']}", json={**patient_payload, "phone": "555-0199", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2

    stale = bob.put(f"/api/patients/{created['id']}", json={**patient_payload, "phone": "555-0000", "version": 1})
    assert stale.status_code == 409
    error = stale.json()["errors"][0]
    assert error["field"] == "version" and "changed by someone else" in error["message"]

    with db.session() as session:
        patient = session.get(Patient, created["id"])
        assert (patient.phone, patient.version) == ("555-0199", 2)


def test_stale_episode_update_returns_409(client_for, db, patient_payload, episode_payload):
    client = client_for("coordinator")
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    episode = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()
    ok = client.put(f"/api/episodes/{episode['id']}", json={**episode_payload, "status": "open", "laterality": "left", "version": 1})
    assert ok.status_code == 200
    stale = client.put(f"/api/episodes/{episode['id']}", json={**episode_payload, "status": "discharged", "version": 1})
    assert stale.status_code == 409
    with db.session() as session:
        row = session.scalar(select(Episode).where(Episode.id == episode["id"]))
        assert (row.status, row.laterality, row.version) == ("open", "left", 2)


def test_concurrent_flush_with_stale_version_is_refused_by_the_database(db, client_for, patient_payload):
    """Two sessions load version 1; the second commit must fail even without the API's check."""
    patient_id = client_for("front_desk").post("/api/patients", json=patient_payload).json()["id"]
    first, second = db.session_factory(), db.session_factory()
    try:
        # Each read transaction ends at once (SQLite takes its write lock at BEGIN); objects stay loaded.
        a = first.get(Patient, patient_id)
        first.commit()
        b = second.get(Patient, patient_id)
        second.commit()
        a.phone = "555-0111"
        first.commit()
        b.phone = "555-0222"
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.rollback()
        second.close()
    with db.session() as session:
        assert session.get(Patient, patient_id).phone == "555-0111"
