"""Apply the engine's plan to the task table: open the new, refresh the changed, close the met.

A provider that fails for an episode (worklist/gather.py) leaves that provider's tasks of that episode as
they were, and an admin task says so (worklist/provider_alerts.py); everything else is reconciled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.worklist.engine import (
    CANCELLED,
    DONE,
    MET,
    OPEN,
    CloseMet,
    CloseObsolete,
    EngineContext,
    Open,
    Refresh,
    StoredTask,
    keyed,
    plan_reconciliation,
    registered_providers,
)
from painpath.worklist.gather import gather
from painpath.worklist.models import Task
from painpath.worklist import notes, provider_alerts

RECONCILER = Actor.system("reconciler")
_KEY_CHUNK = 500  # keeps IN (...) lists well under every driver's parameter limit


@dataclass
class ReconcileResult:
    opened: int = 0
    refreshed: int = 0
    met: int = 0
    cancelled: int = 0
    failed: int = 0  # (provider, episode) pairs left as they were because the provider failed there


def reconcile(session: Session, context: EngineContext, *, episode_ids: Sequence[int] | None = None) -> ReconcileResult:
    """Recompute every provider's obligations for the episodes (all open ones when None) and sync tasks."""
    providers = registered_providers()
    gathered = gather(session, providers, context, episode_ids)
    findings = gathered.findings
    tasks = _stored_tasks(session, episode_ids, {f.key for f in keyed(findings)})
    # A failing provider's tasks of that episode are hidden from the plan, so none of them is closed as obsolete.
    stored = [
        StoredTask(t.id, t.key, t.provider, t.status, t.due_at, t.owner_role, t.title, notes.provider_reason(t), t.closed_at)
        for t in tasks.values() if not gathered.failed(t.provider, t.episode_id)
    ]
    grace = notes.grace_business_days(context.settings)
    result = ReconcileResult(failed=len(gathered.failures))
    now = context.now
    for task in provider_alerts.recovered_alerts(session, gathered.failures, episode_ids):
        _close(session, task, MET, provider_alerts.RECOVERED, now)
    for alert in provider_alerts.alerts_to_open(session, gathered.failures, now):
        result.opened += _open(session, alert, now)
    def grace_over(closed_at) -> bool:  # noqa: ANN001
        return context.calendar.due_after_business_days(closed_at, grace) <= now

    for action in plan_reconciliation(stored, findings, {p.name for p in providers}, grace_over):
        if isinstance(action, Open):
            came_back = tasks[action.came_back_from] if action.came_back_from is not None else None
            note = notes.opening_note(session, action.obligation, context, came_back, grace)
            result.opened += _open(session, action.obligation, now, note)
        elif isinstance(action, Refresh):
            _refresh(tasks[action.task_id], action.obligation, now)
            result.refreshed += 1
        elif isinstance(action, CloseMet):
            _close(session, tasks[action.task_id], MET, action.fulfillment.met_by, action.fulfillment.met_at)
            result.met += 1
        elif isinstance(action, CloseObsolete):
            _close(session, tasks[action.task_id], CANCELLED, action.reason, now)
            result.cancelled += 1
    session.flush()
    return result


def _stored_tasks(session: Session, episode_ids: Sequence[int] | None, finding_keys: set[str]) -> dict[int, Task]:
    """Tasks the plan must see: every task of the given episodes, or (whole-clinic runs) the open
    tasks plus the person-completed tasks whose keys came up again, so old history is not loaded."""
    if episode_ids is not None:
        return {t.id: t for t in session.scalars(select(Task).where(Task.episode_id.in_(episode_ids)))}
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.status == OPEN))}
    keys = sorted(finding_keys)
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for task in session.scalars(select(Task).where(Task.status == DONE, Task.key.in_(chunk))):
            tasks[task.id] = task
    return tasks


def _open(session: Session, ob, now, note: str | None = None) -> int:  # noqa: ANN001
    """Insert the task for a new obligation; 0 when a concurrent reconciler already did. `note` (born late,
    came back) is added to the provider's reason and kept there while the task is open."""
    task = Task(
        clinic_id=ob.clinic_id,
        key=ob.key,
        provider=ob.provider,
        kind=ob.kind,
        episode_id=ob.episode_id,
        patient_id=ob.patient_id,
        title=ob.title,
        reason=notes.with_note(ob.reason, note),
        evidence=notes.evidence_with_note(ob.evidence, note),
        owner_role=ob.owner_role,
        due_at=ob.due_at,
        status=OPEN,
        opened_at=now,
    )
    try:
        # A savepoint: if a concurrent reconciler opened this key first, the unique index on open
        # keys refuses ours and only this insert is undone, not the caller's transaction.
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        return 0
    audit.record(
        session, RECONCILER, "task.open", object_type="task", object_id=task.id,
        patient_id=ob.patient_id, clinic_id=ob.clinic_id, detail={"key": ob.key, "due_at": ob.due_at.isoformat()},
    )
    return 1


def _refresh(task: Task, ob, now) -> None:  # noqa: ANN001
    note = notes.note_of(task)
    task.title = ob.title
    task.reason, task.evidence = notes.with_note(ob.reason, note), notes.evidence_with_note(ob.evidence, note)
    task.owner_role = ob.owner_role
    if task.due_at != ob.due_at:
        task.due_at = ob.due_at
        if ob.due_at > now:
            task.overdue_flagged_at = None  # a later deadline means it is no longer overdue


def _close(session: Session, task: Task, status: str, resolution: str, at) -> None:  # noqa: ANN001
    task.status = status
    task.resolution = resolution
    task.closed_at = at
    audit.record(
        session, RECONCILER, f"task.{status}", object_type="task", object_id=task.id,
        patient_id=task.patient_id, clinic_id=task.clinic_id, detail={"key": task.key, "resolution": resolution},
    )
