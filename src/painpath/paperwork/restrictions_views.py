"""JSON API for work restrictions and the return-to-work plan: draft one, list an episode's, edit a draft, sign
it, and add or record on a plan's steps. Same services as the pages (restriction_pages.py includes this router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId, Version
from painpath.paperwork import restrictions_service, return_to_work_service
from painpath.paperwork.restrictions_schemas import RestrictionIn, RestrictionOut, SignIn, StepIn, StepOut, StepRecordIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["work restrictions"])


class RestrictionUpdate(RestrictionIn):
    version: Version


@router.post("/episodes/{episode_id}/work-restrictions", response_model=RestrictionOut, status_code=201)
def create_restriction(episode_id: DbId, data: RestrictionIn, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]):  # noqa: ANN201
    restriction = restrictions_service.create_restriction(session, actor=caller.actor, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return restriction


@router.get("/episodes/{episode_id}/work-restrictions", response_model=list[RestrictionOut])
def list_restrictions(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return restrictions_service.episode_restrictions(session, actor=caller.actor, episode_id=episode_id)


@router.put("/work-restrictions/{restriction_id}", response_model=RestrictionOut)
def update_restriction(restriction_id: DbId, data: RestrictionUpdate, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]):  # noqa: ANN201
    return restrictions_service.update_draft(session, actor=caller.actor, restriction_id=restriction_id,
                                             data=RestrictionIn.model_validate(data.model_dump(exclude={"version"})), version=data.version)


@router.post("/work-restrictions/{restriction_id}/sign", response_model=RestrictionOut)
def sign_restriction(restriction_id: DbId, data: SignIn, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]):  # noqa: ANN201
    restriction = restrictions_service.sign_restriction(session, actor=caller.actor, restriction_id=restriction_id, version=data.version)
    ctx.reconcile(session, [restriction.episode_id])
    return restriction


@router.get("/episodes/{episode_id}/return-to-work-steps", response_model=list[StepOut])
def list_steps(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return return_to_work_service.episode_steps(session, actor=caller.actor, episode_id=episode_id)


@router.post("/episodes/{episode_id}/return-to-work-steps", response_model=StepOut, status_code=201)
def add_step(episode_id: DbId, data: StepIn, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]):  # noqa: ANN201
    step = return_to_work_service.add_step(session, actor=caller.actor, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return step


@router.post("/return-to-work-steps/{step_id}/record", response_model=StepOut)
def record_on_step(step_id: DbId, data: StepRecordIn, ctx: AppCtx, session: DbSession,
                   caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    step = return_to_work_service.record_on_step(session, actor=caller.actor, step_id=step_id, data=data, may_check=caller.can(Permission.PLAN_WRITE))
    ctx.reconcile(session, [step.episode_id])
    return step
