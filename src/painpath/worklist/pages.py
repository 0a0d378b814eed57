"""Staff pages for the worklist: the filtered list with counts, and a task page to claim, complete,
comment on and reassign a task.

Pages call the same services as the JSON API (views.py). A refused action (a stale version, a task
someone else claimed, a note too short) shows the task page again with the message next to the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import QueryParams

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core import audit_access
from painpath.core.auth.roles import Permission, Role, role_allows
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients.models import Patient
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, is_htmx, validation_problems
from painpath.web.templating import templates
from painpath.worklist import service
from painpath.worklist.links import work_link
from painpath.worklist.schemas import ClaimTask, CommentIn, CompleteTask, ReassignTask, WorklistFilter

router = APIRouter()


@patient_pages.episode_panel(needs=Permission.WORKLIST_READ)
def _episode_tasks(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    """The episode's open tasks, below every other panel of the episode page's main column."""
    tasks = service.list_tasks(asked.session, user=asked.caller.user, f=WorklistFilter(episode_id=asked.episode.id))
    return [patient_pages.EpisodePanel("worklist/episode_tasks.html", {"tasks": tasks}, slot="end")]


FILTER_LABELS = {
    "mine": "Only mine",
    "role": "Owner role",
    "status": "Status",
    "overdue": "Overdue only",
    "due_before": "Due on or before",
    "patient_id": "Patient ID",
    "q": "Patient name or MRN",
    "after": "Page",
    "before": "Page",
}
STATUSES = [("open", "Open"), ("done", "Done"), ("met", "Met"), ("cancelled", "Cancelled")]
ACTION_LABELS = {"note": "Completion note", "body": "Comment", "assignee_id": "Assign to person", "owner_role": "Owner role"}
TRUE_VALUES = {"true", "on", "1", "yes"}


def _working_roles() -> list[tuple[str, str]]:
    return [(r.value, r.value.replace("_", " ").capitalize()) for r in Role if role_allows(r, Permission.WORKLIST_WORK)]


# Worklist --------------------------------------------------------------------------------------

def _parse_filter(params: QueryParams) -> tuple[WorklistFilter, dict[str, Any], list[FieldProblem]]:
    """Read the filter form. Empty fields mean "any"; a bad value is reported and left out."""
    values: dict[str, Any] = {
        "mine": params.get("mine", "").lower() in TRUE_VALUES,
        "overdue": params.get("overdue", "").lower() in TRUE_VALUES,
    }
    for name in ("role", "status", "due_before", "patient_id", "episode_id", "q", "after", "before"):
        raw = params.get(name, "").strip()
        if raw:
            values[name] = raw
    try:
        return WorklistFilter.model_validate(values), values, []
    except ValidationError as exc:
        problems = validation_problems(exc)
        bad = {p.field for p in problems}
        kept = {k: v for k, v in values.items() if k not in bad}
        return WorklistFilter.model_validate(kept), values, problems


@router.get("/worklist")
def worklist_page(
    request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_READ)],
) -> Response:
    f, form, problems = _parse_filter(request.query_params)
    found = service.page_tasks(session, user=caller.user, f=f)
    tasks = found.tasks
    audit_access.note_listed(session, caller.actor, list_name="worklist", patient_ids=[t.patient_id for t in tasks])
    counts = service.counts(session, user=caller.user, f=f, calendar=ctx.calendar)
    context = {
        "caller": caller, "f": f, "form": form, "tasks": tasks, "counts": counts,
        "problems": problems, "errors": errors_by_field(problems), "labels": FILTER_LABELS,
        "roles": _working_roles(), "statuses": STATUSES, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "today": ctx.calendar.local_date(utcnow()), "query": str(request.query_params),
        "next_href": _page_href(request.query_params, "after", found.next_cursor),
        "prev_href": _page_href(request.query_params, "before", found.prev_cursor),
    }
    response = templates.TemplateResponse(
        request, "worklist/worklist.html", context, **({"block_name": "results"} if is_htmx(request) else {})
    )
    response.headers["vary"] = "HX-Request"
    return response


def _page_href(params: QueryParams, direction: str, cursor: str | None) -> str | None:
    """The same filters, on the page after (or before) the cursor."""
    if cursor is None:
        return None
    kept = [(k, v) for k, v in params.multi_items() if k not in ("after", "before")]
    return "/worklist?" + urlencode([*kept, (direction, cursor)])


# Task page -------------------------------------------------------------------------------------

def _assignable_users(session: Session, clinic_id: DbId) -> list[tuple[int, str]]:
    roles = [value for value, _label in _working_roles()]
    users = session.scalars(
        select(User).where(User.clinic_id == clinic_id, User.active.is_(True), User.role.in_(roles)).order_by(User.display_name)
    )
    return [(u.id, f"{u.display_name} ({u.role.replace('_', ' ')})") for u in users]


def _task_page(
    request: Request, ctx: AppContext, session: Session, caller: Caller, task_id: DbId, *,
    action: str | None = None, form: dict[str, str] | None = None, problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> Response:
    task = service.get_task(session, user=caller.user, task_id=task_id)
    patient = session.get(Patient, task.patient_id)
    audit_access.note_shown(session, caller.actor, patient_id=task.patient_id, object_type="task", object_id=task.id)
    people = {i for i in (task.assignee_id, task.closed_by_id) if i is not None}
    names = {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(people)))}
    problems = problems or []
    context = {
        "caller": caller, "task": service.task_out(task, utcnow()), "patient": patient, "names": names, "work": work_link(task, caller.can),
        "closed_by": names.get(task.closed_by_id) if task.closed_by_id else None,
        "comments": service.comments(session, task=task),
        "action": action, "form": form or {}, "problems": problems, "errors": errors_by_field(problems), "labels": ACTION_LABELS,
        "roles": _working_roles(),
        "users": _assignable_users(session, caller.user.clinic_id) if caller.can(Permission.WORKLIST_ASSIGN) else [],
        "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name, "today": ctx.calendar.local_date(utcnow()),
    }
    return templates.TemplateResponse(request, "worklist/task.html", context, status_code=status_code)


@router.get("/tasks/{task_id}")
def task_page(
    task_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_READ)],
) -> Response:
    return _task_page(request, ctx, session, caller, task_id)


def _act(
    request: Request, ctx: AppContext, session: Session, caller: Caller, task_id: DbId, action: str,
    form: dict[str, str], run: Callable[[], object],
) -> Response:
    """Run one action; on success go back to the task page, on a refusal show why next to the form."""
    try:
        run()
    except ValidationError as exc:
        session.rollback()
        return _task_page(request, ctx, session, caller, task_id, action=action, form=form, problems=validation_problems(exc), status_code=422)
    except DomainError as exc:
        session.rollback()
        return _task_page(request, ctx, session, caller, task_id, action=action, form=form, problems=exc.problems, status_code=exc.status_code)
    except StaleDataError:
        session.rollback()
        problem = FieldProblem("version", "current_version", "Someone else saved this task first; the page now shows the latest version. Check it and try again.")
        return _task_page(request, ctx, session, caller, task_id, action=action, form=form, problems=[problem], status_code=409)
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)


def _version(form: dict[str, str]) -> str | None:
    return form.get("version") or None


@router.post("/tasks/{task_id}/claim")
def claim_task(
    task_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)], form: FormFields,
) -> Response:
    def run() -> None:
        data = ClaimTask.model_validate({"version": _version(form)})
        service.claim(session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version)

    return _act(request, ctx, session, caller, task_id, "claim", form, run)


@router.post("/tasks/{task_id}/complete")
def complete_task(
    task_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)], form: FormFields,
) -> Response:
    def run() -> None:
        data = CompleteTask.model_validate({"version": _version(form), "note": form.get("note", "")})
        service.complete(session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version, note=data.note)

    return _act(request, ctx, session, caller, task_id, "complete", form, run)


@router.post("/tasks/{task_id}/comments")
def comment_on_task(
    task_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)], form: FormFields,
) -> Response:
    def run() -> None:
        data = CommentIn.model_validate({"body": form.get("body", "")})
        service.add_comment(session, user=caller.user, actor=caller.actor, task_id=task_id, body=data.body)

    return _act(request, ctx, session, caller, task_id, "comment", form, run)


@router.post("/tasks/{task_id}/reassign")
def reassign_task(
    task_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_ASSIGN)], form: FormFields,
) -> Response:
    def run() -> None:
        values = {"version": _version(form), "assignee_id": form.get("assignee_id") or None, "owner_role": form.get("owner_role") or None}
        try:
            data = ReassignTask.model_validate(values)
        except ValidationError as exc:
            # The "one target" rule belongs to no single field; name the person field so it sits by the form.
            if any(not err.get("loc") for err in exc.errors()):
                raise InvalidInput(FieldProblem("assignee_id", "one_target", "Choose a person, a role, or both")) from exc
            raise
        service.reassign(
            session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version,
            assignee_id=data.assignee_id, owner_role=data.owner_role,
        )

    return _act(request, ctx, session, caller, task_id, "reassign", form, run)
