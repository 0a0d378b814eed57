"""The deadline sweeper flags each overdue task exactly once, however many run, and survives restarts."""

import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from painpath.core.audit import Actor, AuditEvent
from painpath.patients import service as patients
from painpath.patients.schemas import EpisodeIn, PatientIn
from painpath.worklist import sweeper
from painpath.worklist.models import Task

OPENED = datetime(2026, 2, 2, 15, 0)
LATER = datetime(2026, 3, 30, 15, 0)  # every first-visit task is past due by then


def _open_episodes(ctx, clinic, count):  # noqa: ANN001, ANN202
    actor = Actor.system("test", clinic.id)
    with ctx.db.session() as session:
        for n in range(count):
            patient = patients.create_patient(
                session, actor=actor,
                data=PatientIn(mrn=f"T-{n:04d}", given_name="Pat", family_name=f"Test{n}", birth_date="1970-01-01", sex="female"),
            )
            patients.open_episode(
                session, actor=actor, patient_id=patient.id, opened_at=OPENED + timedelta(hours=n),
                data=EpisodeIn(problem_summary="Low back pain", body_region="lumbar", laterality="midline", icd10_codes=["M54.50"]),
            )
        ctx.reconcile(session, now=OPENED + timedelta(days=1))


def _overdue_audit(db):  # noqa: ANN001, ANN202
    with db.session() as session:
        return Counter(session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "task.overdue")))


def test_two_sweepers_at_once_never_flag_a_task_twice(ctx, clinic):
    _open_episodes(ctx, clinic, 60)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(sweeper.sweep_overdue(ctx.db, LATER, batch_size=7))
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(results) == 60
    flagged = _overdue_audit(ctx.db)
    assert len(flagged) == 60 and set(flagged.values()) == {1}
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Task).where(Task.overdue_flagged_at.is_(None))) == 0


def test_a_sweeper_that_dies_mid_batch_loses_nothing(ctx, clinic):
    _open_episodes(ctx, clinic, 12)
    # A sweeper flags a batch and dies before committing: its work rolls back.
    session = ctx.db.session_factory()
    assert len(sweeper._flag_batch(session, LATER, batch_size=5)) == 5
    session.rollback()
    session.close()
    assert _overdue_audit(ctx.db) == Counter()
    # After the restart the next pass finds everything still unflagged.
    assert sweeper.sweep_overdue(ctx.db, LATER) == 12
    assert sweeper.sweep_overdue(ctx.db, LATER) == 0


def test_tasks_not_yet_due_are_left_alone(ctx, clinic):
    _open_episodes(ctx, clinic, 3)
    assert sweeper.sweep_overdue(ctx.db, OPENED + timedelta(days=2)) == 0
    assert _overdue_audit(ctx.db) == Counter()
