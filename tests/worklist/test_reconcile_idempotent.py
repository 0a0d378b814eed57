"""A pass over unchanged facts writes nothing: not a refreshed reason, not a due time moved by the clock.

The demo clinic gives every provider facts to work on; after one reconcile, a second one (later the same
day and a day later, facts unchanged) must send no INSERT or UPDATE to the task table."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import event, select

from painpath.demo import load_demo
from painpath.worklist.models import Task

NOW = datetime(2026, 3, 4, 15, 0)


def _task_writes(ctx, when: datetime) -> tuple[list[str], object]:  # noqa: ANN001
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        if re.match(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+task\b", statement, re.IGNORECASE):
            statements.append(" ".join(statement.split())[:200])

    event.listen(ctx.db.engine, "before_cursor_execute", record)
    try:
        with time_machine.travel(when, tick=False), ctx.db.session() as session:
            result = ctx.reconcile(session, now=when)
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", record)
    return statements, result


def test_second_pass_over_unchanged_facts_writes_no_task_row(ctx):
    with time_machine.travel(NOW, tick=False):
        load_demo(ctx, patients=40, now=NOW)
    first, _ = _task_writes(ctx, NOW)
    with ctx.db.session() as session:
        versions = dict(session.execute(select(Task.id, Task.version)).all())
        dues = dict(session.execute(select(Task.id, Task.due_at).where(Task.status == "open")).all())
    assert versions, "the demo clinic should have tasks"
    for later in (NOW, NOW + timedelta(minutes=5), NOW + timedelta(hours=3)):
        writes, result = _task_writes(ctx, later)
        assert writes == [], writes[:5]
        assert result.refreshed == 0 and result.opened == 0
    with ctx.db.session() as session:
        assert dict(session.execute(select(Task.id, Task.version)).all()) == versions
        # Due times of tasks still open a day later are the same: none slid with the clock.
        still_open = dict(session.execute(select(Task.id, Task.due_at).where(Task.status == "open")).all())
    assert {k: v for k, v in still_open.items() if k in dues} == {k: dues[k] for k in still_open if k in dues}
