"""New tasks open together in one savepoint; when one key is already open (a concurrent reconciler got there
first), the others still open and that one is left out, with one audit row per task opened."""

from __future__ import annotations

from sqlalchemy import func, select

from painpath.core.audit import AuditEvent
from painpath.core.clock import utcnow
from painpath.worklist.gather import ProviderFailure
from painpath.worklist.models import Task
from painpath.worklist.provider_alerts import PROVIDER, alerts_to_open
from painpath.worklist.reconcile import _open_all, _open_one


def _alerts(session, episode_id: int) -> list:  # noqa: ANN001
    failures = [ProviderFailure(provider, episode_id, "KeyError") for provider in ("imaging_rules", "records", "therapy")]
    return alerts_to_open(session, failures, utcnow())


def test_a_batch_opens_every_new_task_and_leaves_out_the_one_already_open(client_for, patient_payload, episode_payload, db):
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=episode_payload).json()["id"]
    with db.session() as session:
        first, *others = _alerts(session, episode_id)
        assert len(others) == 2
        assert _open_one(session, first, utcnow(), None) == 1  # as if another reconciler had opened it
    with db.session() as session:
        opened = _open_all(session, [(ob, None) for ob in [first, *others]], utcnow())
    assert opened == 2
    with db.session() as session:
        tasks = session.execute(select(Task.id, Task.key).where(Task.episode_id == episode_id, Task.provider == PROVIDER)).all()
        audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.open", AuditEvent.object_id.in_([str(t.id) for t in tasks])))
    assert sorted(t.key for t in tasks) == sorted(ob.key for ob in [first, *others])  # each once
    assert audited == 3
