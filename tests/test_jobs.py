"""Background jobs run the sweeper and reconciliation through real queues (SQLite file and Redis)."""

import uuid
from datetime import datetime

import pytest
import redis
import time_machine
from sqlalchemy import select

from painpath import jobs
from painpath.worklist.models import Task

REDIS_URL = "redis://127.0.0.1:6379/15"


def _queue(kind, tmp_path):  # noqa: ANN001, ANN202
    """A queue of its own: `make test` runs its SQLite and PostgreSQL passes at once against one Redis, and a
    shared queue name would let one pass's flush empty the other's queue."""
    name = f"painpath-test-{uuid.uuid4().hex[:8]}"
    if kind == "redis":
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.ConnectionError:
            pytest.fail("Redis is not reachable on 127.0.0.1:6379; `make test` starts it")
        return jobs.make_huey(REDIS_URL, name)
    return jobs.make_huey(f"sqlite:///{tmp_path / 'queue.sqlite3'}", name)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_sweep_and_reconcile_run_as_queued_jobs(kind, tmp_path, ctx, client_for, patient_payload, episode_payload):
    huey = _queue(kind, tmp_path)
    huey.flush()
    name = f"painpath-test-{uuid.uuid4().hex[:6]}"
    sweep = huey.task(name=f"{name}-sweep")(jobs.sweep_once)
    reconcile = huey.task(name=f"{name}-reconcile")(jobs.reconcile_all_once)
    jobs.use_context(ctx)
    try:
        with time_machine.travel(datetime(2026, 2, 2, 15, 0), tick=False) as clock:
            client = client_for("coordinator")
            patient_id = client.post("/api/patients", json=patient_payload).json()["id"]
            client.post(f"/api/patients/{patient_id}/episodes", json=episode_payload)
            clock.move_to(datetime(2026, 3, 2, 15, 0))
            result = sweep()
            assert huey.pending_count() == 1
            huey.execute(huey.dequeue())
            assert result.get() == 1
            reconciled = reconcile()
            huey.execute(huey.dequeue())
            assert reconciled.get()["opened"] == 0
        with ctx.db.session() as session:
            assert session.scalar(select(Task.overdue_flagged_at)) == datetime(2026, 3, 2, 15, 0)
    finally:
        jobs._shared.clear()
        huey.flush()


def test_periodic_jobs_are_registered():
    names = {task.name for task in jobs.huey.read_periodic(datetime(2026, 1, 5, 15, 0))}
    assert {"sweep_overdue", "reconcile_all", "records_retry_failed", "portal_invitations_retry_failed"} <= names


def test_unknown_queue_url_is_refused():
    with pytest.raises(ValueError, match="PAINPATH_QUEUE_URL"):
        jobs.make_huey("amqp://localhost")


def test_periodic_jobs_skip_while_another_process_holds_their_lock(ctx):
    """Each consumer schedules the periodic jobs; only the run holding the cluster lock does the work."""
    from painpath.core.cluster_lock import cluster_lock

    jobs.use_context(ctx)
    lock = cluster_lock(ctx.db.engine, ctx.settings.queue_url)
    try:
        with lock.hold("sweep_overdue") as held, lock.hold("reconcile_all") as held_too:
            assert held and held_too
            assert jobs.sweep_task.call_local() is None
            assert jobs.reconcile_task.call_local() is None
        assert jobs.sweep_task.call_local() == 0
        assert jobs.reconcile_task.call_local()["opened"] == 0
    finally:
        jobs._shared.clear()
