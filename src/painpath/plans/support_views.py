"""JSON API for the support strategies on a care plan, mirroring the episode page's panel: list, add, take off.
Included by plans/views.py's router."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.plans import support
from painpath.plans.models import PlanSupportItem
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["plans"])


class SupportItemOut(BaseModel):
    id: int
    episode_id: int
    strategy_id: str
    name: str | None  # the strategy's name in the pack; None when the pack no longer has it
    patient_words: str | None
    note: str | None
    added_on: date
    added_by_id: int | None
    version: int


def _out(row: PlanSupportItem, knowledge) -> SupportItemOut:  # noqa: ANN001
    strategy = knowledge.support_strategies.get(row.strategy_id)
    return SupportItemOut(id=row.id, episode_id=row.episode_id, strategy_id=row.strategy_id, name=strategy.name if strategy else None,
                          patient_words=strategy.patient_words if strategy else None, note=row.note, added_on=row.added_on,
                          added_by_id=row.added_by_id, version=row.version)


@router.get("/episodes/{episode_id}/support-items", response_model=list[SupportItemOut])
def list_support_items(episode_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[SupportItemOut]:
    return [_out(row, ctx.knowledge) for row in support.list_items(session, actor=caller.actor, episode_id=episode_id)]


@router.post("/episodes/{episode_id}/support-items", response_model=SupportItemOut, status_code=201)
def add_support_item(episode_id: DbId, data: support.SupportItemIn, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> SupportItemOut:
    row = support.add_item(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return _out(row, ctx.knowledge)


@router.post("/episodes/{episode_id}/support-items/remove", response_model=SupportItemOut)
def remove_support_item(episode_id: DbId, data: support.SupportRemoveIn, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> SupportItemOut:
    return _out(support.remove_item(session, actor=caller.actor, episode_id=episode_id, data=data), ctx.knowledge)
