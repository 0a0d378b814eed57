"""JSON API for the forms queue: log a form request on an episode and list an episode's. Same services as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.paperwork import form_service
from painpath.paperwork.form_schemas import FormRequestIn, FormRequestOut
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["forms"])


@router.post("/episodes/{episode_id}/form-requests", response_model=FormRequestOut, status_code=201)
def create_form_request(episode_id: DbId, data: FormRequestIn, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.ORDER_WORK)]):  # noqa: ANN201
    created = form_service.create_request(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                          episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return created


@router.get("/episodes/{episode_id}/form-requests", response_model=list[FormRequestOut])
def list_form_requests(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return form_service.episode_requests(session, actor=caller.actor, episode_id=episode_id)
