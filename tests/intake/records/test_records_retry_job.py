"""The retry job runs through a real huey queue and is on the app's queue as a periodic task."""

from __future__ import annotations

from datetime import date, datetime, timezone

import time_machine
from sqlalchemy import select

from painpath import jobs
from painpath.intake.records import scheduled, service
from painpath.intake.records.models import RecordsRequest
from painpath.intake.records.schemas import ProviderIn, RecordsRequestIn
from painpath.worklist.models import Task
from records_fixtures import make_episode, smtp_relay  # noqa: F401  (fixtures)


def test_the_retry_job_is_a_periodic_task_on_the_apps_queue(ctx):
    # Building the app's context loads the obligation providers, which put the job on the app's queue.
    names = {task.name for task in jobs.huey.read_periodic(datetime(2026, 1, 5, 15, 0))}
    assert scheduled.RETRY_TASK_NAME in names


def test_a_queued_retry_pass_sends_the_failed_request_and_closes_its_task(ctx, db, make_episode, smtp_relay, tmp_path):
    huey = jobs.make_huey(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    scheduled.register(huey, jobs._context)
    scheduled.register(huey, jobs._context)  # idempotent: registering twice is harmless
    jobs.use_context(ctx)
    try:
        with time_machine.travel(datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc), tick=False) as clock:
            ep = make_episode()
            smtp_relay.refuse = "451 4.4.1 Gateway busy"
            with db.session() as session:
                provider = service.add_provider(session, actor=ep["actor"], episode_id=ep["episode_id"],
                                                data=ProviderIn(name="Lakeside Imaging", kind="imaging_center", fax="555-010-0199"))
                request = service.create_and_send(session, actor=ep["actor"], calendar=ctx.calendar, episode_id=ep["episode_id"], data=RecordsRequestIn(
                    provider_id=provider.id, transport="fax", items=[{"item": "mri_report"}],
                    authorization_reference="Release R-7", authorization_date=date(2026, 1, 5)))
                ctx.reconcile(session, [ep["episode_id"]])
            smtp_relay.refuse = None

            clock.move_to(datetime(2026, 1, 5, 15, 6, tzinfo=timezone.utc))  # past the 5-minute backoff
            (task,) = [t for t in huey.read_periodic(datetime(2026, 1, 5, 15, 6)) if t.name == scheduled.RETRY_TASK_NAME]
            huey.enqueue(task)
            assert huey.pending_count() == 1
            assert huey.execute(huey.dequeue()) == 1  # one request attempted
        with db.session() as session:
            assert session.get(RecordsRequest, request.id).status == "sent"
            assert session.scalar(select(Task.status).where(Task.kind == "records.send_failed")) == "met"
        assert len(smtp_relay.messages) == 1
    finally:
        jobs._shared.clear()
        huey.flush()
