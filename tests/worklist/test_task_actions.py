"""Claim, complete, reassign and comment: who may do what, and every change audited."""

from sqlalchemy import select

from painpath.core.audit import AuditEvent
from painpath.worklist.models import Task, TaskComment


def _task(client, patient_payload, episode_payload, db):  # noqa: ANN001, ANN202
    patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
    client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
    with db.session() as session:
        return session.scalars(select(Task)).one()


def test_claimed_task_cannot_be_claimed_by_someone_else(client_for, db, staff, patient_payload, episode_payload):
    coordinator = client_for("coordinator")
    task = _task(coordinator, patient_payload, episode_payload, db)
    claimed = coordinator.post(f"/api/tasks/{task.id}/claim", json={"version": task.version})
    assert claimed.status_code == 200 and claimed.json()["assignee_id"] == staff["coordinator"].id
    nurse = client_for("nurse")
    second = nurse.post(f"/api/tasks/{task.id}/claim", json={"version": claimed.json()["version"]})
    assert second.status_code == 409 and second.json()["errors"][0]["field"] == "assignee_id"


def test_reassign_to_a_role_and_to_a_person(client_for, db, staff, patient_payload, episode_payload):
    manager = client_for("manager")
    task = _task(client_for("coordinator"), patient_payload, episode_payload, db)
    to_nurses = manager.post(f"/api/tasks/{task.id}/reassign", json={"version": task.version, "owner_role": "nurse"})
    assert to_nurses.status_code == 200 and to_nurses.json()["owner_role"] == "nurse"
    to_person = manager.post(f"/api/tasks/{task.id}/reassign", json={"version": to_nurses.json()["version"], "assignee_id": staff["nurse"].id})
    assert to_person.json()["assignee_id"] == staff["nurse"].id
    nurse_list = client_for("nurse").get("/api/worklist", params={"mine": True}).json()
    assert [t["id"] for t in nurse_list["tasks"]] == [task.id]
    bad = manager.post(f"/api/tasks/{task.id}/reassign", json={"version": to_person.json()["version"], "assignee_id": staff["admin"].id})
    assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "can_work_tasks"
    empty = manager.post(f"/api/tasks/{task.id}/reassign", json={"version": to_person.json()["version"]})
    assert empty.status_code == 422


def test_complete_requires_a_note_and_keeps_it(client_for, db, staff, patient_payload, episode_payload):
    client = client_for("coordinator")
    task = _task(client, patient_payload, episode_payload, db)
    assert client.post(f"/api/tasks/{task.id}/complete", json={"version": task.version, "note": ""}).status_code == 422
    done = client.post(f"/api/tasks/{task.id}/complete", json={"version": task.version, "note": "Booked for Thursday"})
    assert done.json()["status"] == "done" and done.json()["resolution"] == "Booked for Thursday"
    again = client.post(f"/api/tasks/{task.id}/complete", json={"version": done.json()["version"], "note": "twice"})
    assert again.status_code == 409
    with db.session() as session:
        assert session.scalars(select(TaskComment.body)).all() == ["Booked for Thursday"]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task").order_by(AuditEvent.id)).all()
    assert actions == ["task.open", "task.complete"]


def test_worklist_filters(client_for, db, staff, patient_payload, episode_payload):
    client = client_for("coordinator")
    task = _task(client, patient_payload, episode_payload, db)
    assert [t["id"] for t in client.get("/api/worklist", params={"role": "coordinator"}).json()["tasks"]] == [task.id]
    assert client.get("/api/worklist", params={"role": "nurse"}).json()["tasks"] == []
    assert client.get("/api/worklist", params={"patient_id": task.patient_id}).json()["tasks"][0]["patient_name"] == "Okafor, Dana"
    assert client.get("/api/worklist", params={"status": "done"}).json()["tasks"] == []
    assert client.get("/api/worklist", params={"overdue": True}).json()["tasks"] == []
    bad = client.get("/api/worklist", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_tasks_of_another_clinic_are_invisible(client_for, db, patient_payload, episode_payload):
    from painpath.core.tenancy import Clinic

    task = _task(client_for("coordinator"), patient_payload, episode_payload, db)
    with db.session() as session:
        other = Clinic(name="Other clinic")
        session.add(other)
        session.flush()
        session.get(Task, task.id).clinic_id = other.id
    assert client_for("manager").get(f"/api/tasks/{task.id}").status_code == 404
