"""Apply the engine's plan to the task table: open the new, refresh the changed, close the met.

A provider that fails for an episode (worklist/gather.py) leaves that provider's tasks of that episode as
they were, and an admin task says so (worklist/provider_alerts.py); everything else is reconciled.

A refresh writes only what really changed (title, reason, owner, evidence, due time): a pass over unchanged
facts sends no UPDATE to the task table. Every reconcile also stores, per evaluated episode, when its
obligations next change with the clock alone (worklist/review_state.py), so the periodic pass
(worklist/review.py) looks only at episodes whose moment came.

A reconcile is two steps: `evaluate` (the providers read their facts and say what they find) and `apply`
(compare with the stored tasks and write). A request runs both in its own transaction (`reconcile`); the
review passes evaluate a chunk in a transaction that only reads, then apply it in a short write transaction
after claiming its episodes (worklist/review.py), so no write transaction waits on the providers' reads.
The comparison reads stored tasks as column values; only the tasks that change load as entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.db import ids_in
from painpath.patients.models import Episode
from painpath.worklist import notes, provider_alerts, review_state
from painpath.worklist.engine import (
    CANCELLED,
    DONE,
    MET,
    OPEN,
    Action,
    CloseMet,
    CloseObsolete,
    EngineContext,
    NextChange,
    Obligation,
    Open,
    Refresh,
    StoredTask,
    as_stored,
    grace_period_ends,
    keyed,
    next_review,
    plan_reconciliation,
    registered_providers,
)
from painpath.worklist.gather import Gathered, gather
from painpath.worklist.models import Task

RECONCILER = Actor.system("reconciler")
_KEY_CHUNK = 500  # keeps IN (...) lists well under every driver's parameter limit
# A provider that failed for an episode said nothing about its clock: look again after this long.
FAILED_RETRY = timedelta(minutes=15)


@dataclass
class ReconcileResult:
    opened: int = 0
    refreshed: int = 0
    met: int = 0
    cancelled: int = 0
    failed: int = 0  # (provider, episode) pairs left as they were because the provider failed there
    # When each evaluated episode must be looked at again (None: only a new fact changes it).
    next_review: dict[int, datetime | None] = field(default_factory=dict, repr=False)


@dataclass
class Evaluation:
    """What the providers found for some episodes (all open ones when `episode_ids` is None): the reads of a
    reconcile, which a full or periodic pass (worklist/review.py) makes before its write transaction opens."""

    episode_ids: list[int] | None
    providers: set[str]  # the providers that ran: the plan closes only their tasks as obsolete
    gathered: Gathered

    def only(self, episode_ids: Sequence[int]) -> Evaluation:
        """The same evaluation narrowed to some of its episodes (those a pass managed to claim). Obligations,
        next changes and failures name their episode; fulfillments and cancellations do not, and act only on
        the stored tasks loaded for the claimed episodes, so they are kept."""
        keep = set(episode_ids)
        findings = [f for f in self.gathered.findings
                    if not isinstance(f, (Obligation, NextChange)) or f.episode_id in keep]
        failures = [f for f in self.gathered.failures if f.episode_id in keep]
        return Evaluation(sorted(keep), self.providers, Gathered(findings, failures))


def evaluate(session: Session, context: EngineContext, *, episode_ids: Sequence[int] | None = None,
             reads_only: bool = False) -> Evaluation:
    """Every provider's findings for the episodes (all open ones when None); reads only. `reads_only`: the
    session's transaction has done nothing but read, and may be rolled back (worklist/gather.py)."""
    providers = registered_providers()
    ids = None if episode_ids is None else list(episode_ids)
    return Evaluation(ids, {p.name for p in providers}, gather(session, providers, context, ids, reads_only=reads_only))


def reconcile(session: Session, context: EngineContext, *, episode_ids: Sequence[int] | None = None) -> ReconcileResult:
    """Recompute every provider's obligations for the episodes (all open ones when None) and sync tasks."""
    return apply(session, context, evaluate(session, context, episode_ids=episode_ids))


def apply(session: Session, context: EngineContext, evaluation: Evaluation,
          clinics: Mapping[int, int] | None = None) -> ReconcileResult:
    """Bring the tasks of the evaluated episodes in line with the evaluation, in the caller's transaction.
    `clinics` (episode id -> clinic id, when the caller already read them) spares review_state a query."""
    episode_ids = evaluation.episode_ids
    gathered = evaluation.gathered
    findings = gathered.findings
    rows = _stored_tasks(session, episode_ids, {f.key for f in keyed(findings)})
    # A failing provider's tasks of that episode are hidden from the plan, so none of them is closed as obsolete.
    failing = {(f.provider, f.episode_id) for f in gathered.failures}
    stored = [
        StoredTask(t.id, t.key, t.provider, t.status, t.due_at, t.owner_role, t.title, notes.provider_reason(t), t.closed_at,
                   notes.provider_evidence(t))
        for t in rows.values() if (t.provider, t.episode_id) not in failing
    ]
    grace = notes.grace_business_days(context.settings)
    result = ReconcileResult(failed=len(gathered.failures))
    now = context.now

    def grace_end(closed_at: datetime) -> datetime:
        return context.calendar.due_after_business_days(closed_at, grace)

    def grace_over(closed_at: datetime) -> bool:
        return grace_end(closed_at) <= now

    actions = plan_reconciliation(stored, findings, evaluation.providers, grace_over)
    recovered = provider_alerts.recovered_alerts(rows.values(), gathered.failures)
    # The plan compares column values; only the tasks it changes (none over unchanged facts) load as entities.
    tasks = _entities(session, [t.id for t in recovered] + [_task_of(a) for a in actions if _task_of(a) is not None])
    for row in recovered:
        _close(session, tasks[row.id], MET, provider_alerts.RECOVERED, now)
    openings = [(alert, None) for alert in provider_alerts.alerts_to_open(session, gathered.failures, now)]
    for action in actions:
        if isinstance(action, Open):
            came_back = tasks[action.came_back_from] if action.came_back_from is not None else None
            openings.append((action.obligation, notes.opening_note(session, action.obligation, context, came_back, grace)))
        elif isinstance(action, Refresh):
            result.refreshed += _refresh(tasks[action.task_id], action.obligation, now)
        elif isinstance(action, CloseMet):
            _close(session, tasks[action.task_id], MET, action.fulfillment.met_by, action.fulfillment.met_at)
            result.met += 1
        elif isinstance(action, CloseObsolete):
            _close(session, tasks[action.task_id], CANCELLED, action.reason, now)
            result.cancelled += 1
    result.opened += _open_all(session, openings, now)
    session.flush()
    result.next_review = _next_reviews(session, episode_ids, findings + grace_period_ends(stored, findings, grace_end),
                                       {f.episode_id for f in gathered.failures}, now)
    review_state.record(session, result.next_review, now, clinics=clinics)
    return result


def _next_reviews(session: Session, episode_ids: Sequence[int] | None, findings, failed: set[int],
                  now: datetime) -> dict[int, datetime | None]:
    """Every evaluated episode's next review instant: the given episodes, or (whole-clinic runs) the open ones
    and any that a finding names."""
    found = next_review(findings, now)
    if episode_ids is not None:
        evaluated = set(episode_ids)
    else:
        evaluated = set(session.scalars(select(Episode.id).where(Episode.status == "open"))) | set(found)
    reviews: dict[int, datetime | None] = {episode_id: found.get(episode_id) for episode_id in evaluated}
    for episode_id in failed & evaluated:
        retry = now + FAILED_RETRY
        current = reviews[episode_id]
        reviews[episode_id] = retry if current is None or retry < current else current
    return reviews


# What the plan and the recovered-alert check read of a stored task: column values, not entities.
_STORED_COLUMNS = (Task.id, Task.key, Task.provider, Task.kind, Task.status, Task.episode_id, Task.due_at, Task.owner_role,
                   Task.title, Task.reason, Task.evidence, Task.closed_at)


def _stored_tasks(session: Session, episode_ids: Sequence[int] | None, finding_keys: set[str]) -> dict[int, Row]:
    """Tasks the plan must see: the open and the person-completed tasks of the given episodes, or (whole-clinic
    runs) the open tasks plus the person-completed tasks whose keys came up again, so old history is not loaded.
    Tasks a fact met or that were cancelled never change the plan (plan_reconciliation and grace_period_ends
    read open and done tasks only), and they are most of an episode's history: a long course of care has
    dozens, each with its evidence to decode, read again at every review of the episode."""
    if episode_ids is not None:
        return {t.id: t for t in session.execute(select(*_STORED_COLUMNS).where(
            ids_in(session, Task.episode_id, episode_ids), Task.status.in_((OPEN, DONE))))}
    tasks = {t.id: t for t in session.execute(select(*_STORED_COLUMNS).where(Task.status == OPEN))}
    keys = sorted(finding_keys)
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for task in session.execute(select(*_STORED_COLUMNS).where(Task.status == DONE, Task.key.in_(chunk))):
            tasks[task.id] = task
    return tasks


def _task_of(action: Action) -> int | None:
    """The stored task an action changes or (a task that comes back) reads."""
    return action.came_back_from if isinstance(action, Open) else action.task_id


def _entities(session: Session, task_ids: list[int]) -> dict[int, Task]:
    ids = sorted(set(task_ids))
    found: dict[int, Task] = {}
    for start in range(0, len(ids), _KEY_CHUNK):
        found.update((t.id, t) for t in session.scalars(select(Task).where(ids_in(session, Task.id, ids[start : start + _KEY_CHUNK]))))
    return found


def _open_all(session: Session, openings: list[tuple[Any, str | None]], now: datetime) -> int:
    """Insert the tasks of new obligations; returns how many opened. `note` (born late, came back) is added
    to the provider's reason and kept there while the task is open.

    All in one savepoint, inserted together: a first pass opens tens of thousands of tasks, and a savepoint
    each made every write transaction last a second. If a concurrent reconciler opened one of these keys
    first, the unique index on open keys refuses the lot; then each is inserted in a savepoint of its own,
    so only the one already open is left out."""
    if not openings:
        return 0
    tasks = [_task(ob, now, note) for ob, note in openings]
    try:
        with session.begin_nested():
            session.add_all(tasks)
    except IntegrityError:
        return sum(_open_one(session, ob, now, note) for ob, note in openings)
    for task in tasks:
        _audit_opened(session, task)
    return len(tasks)


def _open_one(session: Session, ob, now: datetime, note: str | None) -> int:  # noqa: ANN001
    task = _task(ob, now, note)
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        return 0
    _audit_opened(session, task)
    return 1


def _task(ob, now: datetime, note: str | None) -> Task:  # noqa: ANN001
    return Task(
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


def _audit_opened(session: Session, task: Task) -> None:
    audit.record(
        session, RECONCILER, "task.open", object_type="task", object_id=task.id, patient_id=task.patient_id,
        clinic_id=task.clinic_id, detail={"key": task.key, "due_at": task.due_at.isoformat()},
    )


def _refresh(task: Task, ob, now) -> int:
    """Assign only the columns whose value differs (an equal assignment could still mark the row dirty);
    returns 1 when something changed."""
    note = notes.note_of(task)
    wanted = {
        "title": ob.title,
        "reason": notes.with_note(ob.reason, note),
        "evidence": as_stored(notes.evidence_with_note(ob.evidence, note)),
        "owner_role": ob.owner_role,
    }
    changed = {name: value for name, value in wanted.items() if getattr(task, name) != value}
    if task.due_at != ob.due_at:
        changed["due_at"] = ob.due_at
        if ob.due_at > now and task.overdue_flagged_at is not None:
            changed["overdue_flagged_at"] = None  # a later deadline means it is no longer overdue
    for name, value in changed.items():
        setattr(task, name, value)
    return 1 if changed else 0


def _close(session: Session, task: Task, status: str, resolution: str, at) -> None:
    task.status = status
    task.resolution = resolution
    task.closed_at = at
    audit.record(
        session, RECONCILER, f"task.{status}", object_type="task", object_id=task.id,
        patient_id=task.patient_id, clinic_id=task.clinic_id, detail={"key": task.key, "resolution": resolution},
    )
