"""JSON API for conservative-care history: record, list, end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.conservative_care import service
from painpath.charting.conservative_care.schemas import CareIn, CareOut, EndIn
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["conservative care"])


@router.post("/episodes/{episode_id}/conservative-care", response_model=CareOut, status_code=201)
def record_entry(episode_id: DbId, data: CareIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    return service.record_entry(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)


@router.get("/episodes/{episode_id}/conservative-care", response_model=list[CareOut])
def list_entries(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return service.list_entries(session, actor=caller.actor, episode_id=episode_id)


@router.put("/conservative-care/{entry_id}/end", response_model=CareOut)
def end_entry(entry_id: DbId, data: EndIn, ctx: AppCtx, session: DbSession,
              caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]):  # noqa: ANN201
    return service.end_entry(session, actor=caller.actor, calendar=ctx.calendar, entry_id=entry_id, data=data)
