"""The deadline sweeper: flag open tasks that passed due, exactly once, however many sweepers run.

Deadlines are data (task.due_at), not timers. Each pass reads the earliest-due unflagged tasks and
flags them with a compare-and-set UPDATE ... WHERE overdue_flagged_at IS NULL RETURNING id, so a
task flagged by another sweeper in the meantime is simply not returned here. A restart loses
nothing: the next pass finds whatever is still unflagged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.db import Database
from painpath.worklist.engine import OPEN
from painpath.worklist.models import Task

SWEEPER = Actor.system("sweeper")


def _flag_batch(session: Session, now: datetime, batch_size: int) -> list[tuple[int, int, int]]:
    due_ids = session.scalars(
        select(Task.id)
        .where(Task.status == OPEN, Task.overdue_flagged_at.is_(None), Task.due_at <= now)
        .order_by(Task.due_at)
        .limit(batch_size)
    ).all()
    if not due_ids:
        return []
    flagged = session.execute(
        update(Task)
        .where(Task.id.in_(due_ids), Task.status == OPEN, Task.overdue_flagged_at.is_(None))
        .values(overdue_flagged_at=now)
        .returning(Task.id, Task.patient_id, Task.clinic_id)
        .execution_options(synchronize_session=False)
    ).all()
    for task_id, patient_id, clinic_id in flagged:
        audit.record(
            session, SWEEPER, "task.overdue", object_type="task", object_id=task_id,
            patient_id=patient_id, clinic_id=clinic_id, detail={"flagged_at": now.isoformat()},
        )
    return [tuple(row) for row in flagged]


def sweep_overdue(db: Database, now: datetime, *, batch_size: int = 500) -> int:
    """Flag every open task due at or before `now`; returns how many this sweeper flagged."""
    total = 0
    while True:
        with db.session() as session:
            flagged = _flag_batch(session, now, batch_size)
        total += len(flagged)
        if len(flagged) == 0:
            # Either nothing is due, or another sweeper took this batch; check once more before stopping.
            with db.session() as session:
                remaining = session.scalar(
                    select(Task.id).where(Task.status == OPEN, Task.overdue_flagged_at.is_(None), Task.due_at <= now).limit(1)
                )
            if remaining is None:
                return total
