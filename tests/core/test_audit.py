"""The audit trail: written with the change, for every chart read, and never rewritten."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from painpath.core.audit import AuditEvent, AuditIsAppendOnly


def _events(db, action):  # noqa: ANN001, ANN202
    with db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_reading_a_chart_writes_an_audit_row(client_for, staff, db, patient_payload):
    client = client_for("front_desk")
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    nurse = client_for("nurse")
    response = nurse.get(f"/api/patients/{patient_id}", headers={"x-request-id": "req-chart-1"})
    assert response.status_code == 200
    reads = _events(db, "chart.read")
    assert len(reads) == 1
    read = reads[0]
    assert (read.actor_user_id, read.patient_id, read.object_type) == (staff["nurse"].id, patient_id, "patient")
    assert read.request_id == "req-chart-1"
    assert read.actor_label == "user:nurse"


def test_reading_an_episode_page_is_audited_too(client_for, db, patient_payload, episode_payload):
    client = client_for("coordinator")
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    client.get(f"/api/episodes/{episode_id}")
    assert [(e.object_type, e.object_id) for e in _events(db, "chart.read")] == [("episode", str(episode_id))]


def test_a_failed_change_leaves_no_audit_row(client_for, db, patient_payload):
    client = client_for("front_desk")
    client.post("/api/patients", json=patient_payload)
    duplicate = client.post("/api/patients", json=patient_payload)
    assert duplicate.status_code == 422
    assert len(_events(db, "patient.create")) == 1


def test_audit_rows_cannot_be_updated_or_deleted(client_for, db, patient_payload):
    client_for("front_desk").post("/api/patients", json=patient_payload)
    with pytest.raises(AuditIsAppendOnly):
        with db.session() as session:
            row = session.scalars(select(AuditEvent)).first()
            row.action = "tampered"
    # Below the ORM, the database itself refuses (trigger from the migration).
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event"))
    with db.session() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "tampered")) is None


@pytest.mark.postgresql_only  # SQLite has no TRUNCATE; its DELETE FROM audit_event is refused above
def test_audit_rows_cannot_be_truncated_on_postgresql(client_for, db, patient_payload):
    client_for("front_desk").post("/api/patients", json=patient_payload)
    for statement in ("TRUNCATE audit_event", "TRUNCATE clinic CASCADE"):  # CASCADE would reach audit_event through its clinic
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
    with db.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.create")).one()


def test_an_episode_page_is_one_access_row_however_many_panels_read_it(client_for, db, patient_payload, episode_payload):
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    page = client_for("clinician").get(f"/episodes/{episode_id}", headers={"x-request-id": "req-episode-page"})
    assert page.status_code == 200
    with db.session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == "req-episode-page")))
    assert [(r.action, r.patient_id, r.object_type, r.object_id) for r in rows] == [("chart.read", patient_id, "episode", str(episode_id))]
    assert f"episode:{episode_id}" in rows[0].detail["shown"]


def test_a_patient_search_is_one_row_per_patient_it_showed(client_for, db, patient_payload):
    desk = client_for("front_desk")
    shown = [desk.post("/api/patients", json={**patient_payload, "mrn": f"MRN-{n}", "given_name": given}).json()["id"]
             for n, given in ((1, "Dana"), (2, "Dora"))]
    desk.post("/api/patients", json={**patient_payload, "mrn": "MRN-3", "family_name": "Zeller"})
    response = client_for("nurse").get("/patients", params={"name": "Okafor"}, headers={"x-request-id": "req-search"})
    assert response.status_code == 200
    with db.session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == "req-search").order_by(AuditEvent.patient_id)))
    assert [(r.action, r.patient_id, r.detail) for r in rows] == [
        ("patient.listed", pid, {"lists": ["patient_search"]}) for pid in shown]


def test_outside_a_request_a_chart_read_is_written_at_once(ctx, db, staff, patient_payload, client_for):
    """The CLI and jobs have no request to flush at: their reads are audited straight away."""
    from painpath.core.auth.service import actor_for
    from painpath.patients import service as patients

    patient_id = client_for("front_desk").post("/api/patients", json=patient_payload).json()["id"]
    with db.session() as session:
        patients.read_chart(session, actor=actor_for(staff["nurse"]), patient_id=patient_id)
    reads = _events(db, "chart.read")
    assert [(r.actor_user_id, r.patient_id, r.object_type) for r in reads] == [(staff["nurse"].id, patient_id, "patient")]


def test_audit_rows_keep_their_order_and_go_with_a_rolled_back_savepoint(db, clinic):
    # Audit rows are written with one INSERT per flush (core/audit.py): they must still commit and roll back with
    # the change they record, savepoints included, and keep the order they were recorded in.
    from painpath.core import audit
    from painpath.core.audit import Actor

    actor = Actor.system("audit-test", clinic.id)
    with db.session() as session:
        audit.record(session, actor, "test.first", object_type="test", object_id=1)
        audit.record(session, actor, "test.second", object_type="test", object_id=2)
        try:
            with session.begin_nested():
                audit.record(session, actor, "test.undone", object_type="test", object_id=3)
                session.flush()  # written inside the savepoint, then undone with it
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        audit.record(session, actor, "test.third", object_type="test", object_id=4, detail={"why": "after the savepoint"})
    with db.session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "test").order_by(AuditEvent.id)))
    assert [(r.action, r.object_id) for r in rows] == [("test.first", "1"), ("test.second", "2"), ("test.third", "4")]
    assert rows[2].detail == {"why": "after the savepoint"} and rows[0].detail == {}
    assert all(r.clinic_id == clinic.id and r.actor_label == "system:audit-test" and r.at is not None for r in rows)


def test_audit_rows_of_a_failed_unit_of_work_are_not_written(db, clinic):
    from painpath.core import audit
    from painpath.core.audit import Actor

    with pytest.raises(RuntimeError), db.session() as session:
        audit.record(session, Actor.system("audit-test", clinic.id), "test.lost", object_type="test", object_id=1)
        session.flush()
        raise RuntimeError("the request failed")
    assert _events(db, "test.lost") == []
