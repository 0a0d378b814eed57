"""JSON API for the worklist: list with counts, claim, complete, reassign, comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import iso_utc, utcnow
from painpath.core.validation import DbId
from painpath.worklist import service
from painpath.worklist.schemas import ClaimTask, CommentIn, CompleteTask, ReassignTask, TaskOut, WorklistFilter, WorklistPage
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["worklist"])


@router.get("/worklist", response_model=WorklistPage)
def worklist(
    ctx: AppCtx,
    session: DbSession,
    caller: Annotated[Caller, requires(Permission.WORKLIST_READ)],
    f: Annotated[WorklistFilter, Query()],
) -> Response:
    found = service.page_tasks(session, user=caller.user, f=f)
    page = WorklistPage(
        tasks=found.tasks, counts=service.counts(session, user=caller.user, f=f, calendar=ctx.calendar),
        next_cursor=found.next_cursor, prev_cursor=found.prev_cursor,
    )
    audit_access.note_listed(session, caller.actor, list_name="worklist", patient_ids=[t.patient_id for t in page.tasks])
    # The page is already a validated model; serialising it directly skips FastAPI's second
    # validation pass, the largest cost above the database on the busiest route.
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/tasks/{task_id}", response_model=TaskOut)
def task(task_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.WORKLIST_READ)]) -> TaskOut:
    found = service.get_task(session, user=caller.user, task_id=task_id)
    audit_access.note_shown(session, caller.actor, patient_id=found.patient_id, object_type="task", object_id=found.id)
    return service.task_out(found, utcnow())


@router.post("/tasks/{task_id}/claim", response_model=TaskOut)
def claim(task_id: DbId, data: ClaimTask, session: DbSession, caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)]) -> TaskOut:
    found = service.claim(session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version)
    return service.task_out(found, utcnow())


@router.post("/tasks/{task_id}/complete", response_model=TaskOut)
def complete(task_id: DbId, data: CompleteTask, session: DbSession, caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)]) -> TaskOut:
    found = service.complete(session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version, note=data.note)
    return service.task_out(found, utcnow())


@router.post("/tasks/{task_id}/reassign", response_model=TaskOut)
def reassign(task_id: DbId, data: ReassignTask, session: DbSession, caller: Annotated[Caller, requires(Permission.WORKLIST_ASSIGN)]) -> TaskOut:
    found = service.reassign(
        session, user=caller.user, actor=caller.actor, task_id=task_id, version=data.version,
        assignee_id=data.assignee_id, owner_role=data.owner_role,
    )
    return service.task_out(found, utcnow())


@router.post("/tasks/{task_id}/comments", status_code=201)
def comment(task_id: DbId, data: CommentIn, session: DbSession, caller: Annotated[Caller, requires(Permission.WORKLIST_WORK)]) -> dict:
    made = service.add_comment(session, user=caller.user, actor=caller.actor, task_id=task_id, body=data.body)
    return {"id": made.id, "at": iso_utc(made.at)}
