"""Worklist use cases: query, claim, complete, reassign and comment on tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.core.auth.roles import Permission, Role, role_allows
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.patients.models import Patient
from painpath.patients.service import LIKE_ESCAPE, escape_like
from painpath.worklist.cursor import decode_cursor, encode_cursor
from painpath.worklist.engine import DONE, OPEN
from painpath.worklist.models import Task, TaskComment
from painpath.worklist.schemas import TaskOut, WorklistCounts, WorklistFilter


def _conditions(user: User, f: WorklistFilter, now: datetime) -> list:
    """WHERE clauses for every filter except status and "mine" (callers add those); the caseload of the
    chart-access policy keeps a therapist's list to their own patients (no clause for other roles)."""
    where = [Task.clinic_id == user.clinic_id, chart_access.caseload_filter(actor_for(user), Task.episode_id)]
    if f.role is not None:
        where.append(Task.owner_role == f.role.value)
    if f.assignee_id is not None:
        where.append(Task.assignee_id == f.assignee_id)
    if f.due_before is not None:
        where.append(Task.due_at < datetime.combine(f.due_before, datetime.min.time()) + timedelta(days=1))
    if f.overdue:
        where.append(Task.due_at <= now)
    if f.patient_id is not None:
        where.append(Task.patient_id == f.patient_id)
    if f.episode_id is not None:
        where.append(Task.episode_id == f.episode_id)
    if f.q:
        where.append(Task.patient_id.in_(_patients_matching(user.clinic_id, f.q)))
    return where


def _patients_matching(clinic_id: int, text: str) -> Select:
    """Patients whose MRN is a term, or whose names start with every term (as the patient search)."""
    query = select(Patient.id).where(Patient.clinic_id == clinic_id)
    for term in text.replace(",", " ").split():
        like = f"{escape_like(term.lower())}%"
        query = query.where(or_(
            func.lower(Patient.family_name).like(like, escape=LIKE_ESCAPE),
            func.lower(Patient.given_name).like(like, escape=LIKE_ESCAPE),
            Patient.mrn == term,
        ))
    return query


def _mine(user: User):  # noqa: ANN202
    """My tasks: assigned to me, or unclaimed and owned by my role."""
    return or_(Task.assignee_id == user.id, and_(Task.assignee_id.is_(None), Task.owner_role == user.role))


def _beyond(cursor: tuple[datetime, int], backwards: bool):  # noqa: ANN202
    """Rows strictly after (or before) the cursor in (due_at, id) order. The plain due_at bound lets the
    due-date index start at the cursor; the OR settles ties on the same due time by id."""
    due_at, task_id = cursor
    if backwards:
        return and_(Task.due_at <= due_at, or_(Task.due_at < due_at, Task.id < task_id))
    return and_(Task.due_at >= due_at, or_(Task.due_at > due_at, Task.id > task_id))


def _page_ids(user: User, f: WorklistFilter, where: list) -> Select:
    """The ids on the requested page plus one (to know whether another page follows), in walking order:
    soonest due first, or latest first when paging backwards.

    "Mine" is an OR of two partial indexes; asking each half for one page and merging them is ~7x
    faster on PostgreSQL than one OR query, which walks the due-date index discarding other roles' rows.
    """
    backwards = f.before is not None
    cursor = f.before or f.after
    if cursor is not None:
        where = [*where, _beyond(decode_cursor(cursor), backwards)]
    order = (Task.due_at.desc(), Task.id.desc()) if backwards else (Task.due_at, Task.id)
    depth = f.limit + 1
    if not f.mine:
        return select(Task.id, Task.due_at).where(*where).order_by(*order).limit(depth)
    halves = [
        select(Task.id, Task.due_at).where(*where, branch).order_by(*order).limit(depth).subquery()
        for branch in (Task.assignee_id == user.id, and_(Task.assignee_id.is_(None), Task.owner_role == user.role))
    ]
    merged = union_all(*(select(h.c.id, h.c.due_at) for h in halves)).subquery()
    merged_order = (merged.c.due_at.desc(), merged.c.id.desc()) if backwards else (merged.c.due_at, merged.c.id)
    return select(merged.c.id, merged.c.due_at).order_by(*merged_order).limit(depth)


@dataclass(frozen=True)
class TaskPage:
    tasks: list[TaskOut]
    next_cursor: str | None  # pass as `after` for the following page
    prev_cursor: str | None  # pass as `before` for the page before


def page_tasks(session: Session, *, user: User, f: WorklistFilter) -> TaskPage:
    """One page of the tasks matching the filter, soonest due first, with the patient's name for display
    and the cursors of the pages on either side."""
    now = utcnow()
    page = _page_ids(user, f, [*_conditions(user, f, now), Task.status == f.status]).subquery()
    # Plain columns, not ORM entities: a read-only page needs no identity map (a third of the cost).
    query = (
        select(*_TASK_COLUMNS, Patient.family_name, Patient.given_name, User.display_name.label("assignee_name"))
        .join(page, page.c.id == Task.id)
        .join(Patient, Patient.id == Task.patient_id)
        .outerjoin(User, User.id == Task.assignee_id)
        .order_by(Task.due_at, Task.id)
    )
    tasks = []
    for row in session.execute(query).mappings():
        data = {name: row[name] for name in _TASK_FIELDS}
        data["patient_name"] = f"{row['family_name']}, {row['given_name']}"
        data["assignee_name"] = row["assignee_name"]
        data["overdue"] = row["status"] == OPEN and row["due_at"] <= now
        tasks.append(TaskOut.model_construct(**data))
    more = len(tasks) > f.limit
    if f.before is not None:
        tasks = tasks[1:] if more else tasks  # the extra row is the earliest one
        return TaskPage(tasks, _cursor(tasks[-1]) if tasks else f.before, _cursor(tasks[0]) if more else None)
    tasks = tasks[: f.limit]
    return TaskPage(tasks, _cursor(tasks[-1]) if more else None, _cursor(tasks[0]) if f.after and tasks else None)


def _cursor(task: TaskOut) -> str:
    return encode_cursor(task.due_at, task.id)


def list_tasks(session: Session, *, user: User, f: WorklistFilter) -> list[TaskOut]:
    """The tasks of one page (see page_tasks)."""
    return page_tasks(session, user=user, f=f).tasks


# TaskOut's fields that are task columns; built once.
_TASK_FIELDS = [name for name in TaskOut.model_fields if name in Task.__table__.c]
_TASK_COLUMNS = [Task.__table__.c[name] for name in _TASK_FIELDS]


def task_out(task: Task, now: datetime, **extra) -> TaskOut:  # noqa: ANN003
    data = {name: getattr(task, name) for name in TaskOut.model_fields if hasattr(Task, name)}
    data.update(extra)
    data["overdue"] = task.status == OPEN and task.due_at <= now
    return TaskOut(**data)


def counts(session: Session, *, user: User, f: WorklistFilter, calendar: BusinessCalendar) -> WorklistCounts:
    """Counts by state for the same filter (status aside), for the worklist header."""
    now = utcnow()
    today_end = calendar.end_of_local_day_utc(calendar.local_date(now))
    today_start = today_end - timedelta(days=1)
    where = _conditions(user, f.model_copy(update={"overdue": False}), now)
    if f.mine:
        where.append(_mine(user))
    total, overdue, due_today, claimed = session.execute(
        select(
            func.count(),
            func.count(case((Task.due_at <= now, 1))),
            func.count(case((and_(Task.due_at > now, Task.due_at <= today_end), 1))),
            func.count(Task.assignee_id),
        ).where(*where, Task.status == OPEN)
    ).one()
    # closed_at IS NOT NULL lets PostgreSQL use the partial index on closed tasks.
    closed_today = session.scalar(
        select(func.count()).where(*where, Task.closed_at.is_not(None), Task.closed_at > today_start)
    )
    return WorklistCounts(
        open=total, overdue=overdue, due_today=due_today, claimed=claimed, unclaimed=total - claimed,
        closed_today=closed_today or 0,
    )


def get_task(session: Session, *, user: User, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.clinic_id != user.clinic_id:
        raise NotFound("task", task_id)
    return task


def _check_version(task: Task, version: int) -> None:
    if task.version != version:
        raise StaleWrite("task", version, task.version)


def _require_open(task: Task) -> None:
    if task.status != OPEN:
        raise Conflict(FieldProblem("status", "is_open", f"This task is already {task.status}"))


def claim(session: Session, *, user: User, actor: Actor, task_id: int, version: int) -> Task:
    task = get_task(session, user=user, task_id=task_id)
    _check_version(task, version)
    _require_open(task)
    if task.assignee_id not in (None, user.id):
        raise Conflict(FieldProblem("assignee_id", "unclaimed", "Someone else has claimed this task; ask a manager to reassign it"))
    task.assignee_id = user.id
    audit.record(session, actor, "task.claim", object_type="task", object_id=task.id, patient_id=task.patient_id)
    session.flush()
    return task


def complete(session: Session, *, user: User, actor: Actor, task_id: int, version: int, note: str) -> Task:
    task = get_task(session, user=user, task_id=task_id)
    _check_version(task, version)
    _require_open(task)
    task.status = DONE
    task.resolution = note
    task.closed_at = utcnow()
    task.closed_by_id = user.id
    session.add(TaskComment(clinic_id=task.clinic_id, task_id=task.id, author_id=user.id, at=utcnow(), body=note))
    audit.record(session, actor, "task.complete", object_type="task", object_id=task.id, patient_id=task.patient_id)
    session.flush()
    return task


def reassign(
    session: Session, *, user: User, actor: Actor, task_id: int, version: int,
    assignee_id: int | None, owner_role: Role | None,
) -> Task:
    task = get_task(session, user=user, task_id=task_id)
    _check_version(task, version)
    _require_open(task)
    detail: dict = {}
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or assignee.clinic_id != user.clinic_id or not assignee.active:
            raise InvalidInput(FieldProblem("assignee_id", "active_staff", f"No active user {assignee_id} in this clinic"))
        if not role_allows(assignee.role, Permission.WORKLIST_WORK):
            raise InvalidInput(FieldProblem("assignee_id", "can_work_tasks", f"{assignee.display_name} cannot work tasks"))
        detail["assignee_id"] = [task.assignee_id, assignee_id]
        task.assignee_id = assignee_id
    if owner_role is not None:
        if not role_allows(owner_role, Permission.WORKLIST_WORK):
            raise InvalidInput(FieldProblem("owner_role", "can_work_tasks", f"Role {owner_role.value} cannot work tasks"))
        detail["owner_role"] = [task.owner_role, owner_role.value]
        task.owner_role = owner_role.value
        if assignee_id is None:
            task.assignee_id = None
    audit.record(session, actor, "task.reassign", object_type="task", object_id=task.id, patient_id=task.patient_id, detail=detail)
    session.flush()
    return task


def add_comment(session: Session, *, user: User, actor: Actor, task_id: int, body: str) -> TaskComment:
    task = get_task(session, user=user, task_id=task_id)
    comment = TaskComment(clinic_id=task.clinic_id, task_id=task.id, author_id=user.id, at=utcnow(), body=body)
    session.add(comment)
    session.flush()
    audit.record(session, actor, "task.comment", object_type="task", object_id=task.id, patient_id=task.patient_id)
    return comment


def comments(session: Session, *, task: Task) -> list[tuple[TaskComment, str | None]]:
    rows = session.execute(
        select(TaskComment, User.display_name)
        .outerjoin(User, User.id == TaskComment.author_id)
        .where(TaskComment.task_id == task.id)
        .order_by(TaskComment.at)
    )
    return [(comment, author) for comment, author in rows]
