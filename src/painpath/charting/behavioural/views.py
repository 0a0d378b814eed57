"""JSON API for behavioural-health offers: record the offer made after a score crossed its threshold (or change
an undecided answer, version-checked), and list an episode's offers. The same service as the episode panel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.behavioural import referral, service
from painpath.charting.behavioural.models import BehaviouralOfferRow
from painpath.charting.behavioural.schemas import OfferIn, OfferOut
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["behavioural health"])


def _out(row: BehaviouralOfferRow, knowledge) -> OfferOut:  # noqa: ANN001
    link = referral.referral_link(knowledge, row) if knowledge.behavioural_health is not None else None
    return OfferOut(id=row.id, episode_id=row.episode_id, instrument_id=row.instrument_id, administration_id=row.administration_id,
                    score_on=row.score_on, score_total=row.score_total, offer=row.offer, offered_on=row.offered_on,
                    offered_by_id=row.offered_by_id, answer=row.answer, note=row.note, recorded_at=row.recorded_at, version=row.version,
                    referral_link=link)


@router.post("/episodes/{episode_id}/behavioural-offers", response_model=OfferOut, status_code=201)
def record_offer(episode_id: DbId, data: OfferIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> OfferOut:
    row = service.record_offer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return _out(row, ctx.knowledge)


@router.get("/episodes/{episode_id}/behavioural-offers", response_model=list[OfferOut])
def list_offers(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[OfferOut]:
    return [_out(row, ctx.knowledge) for row in service.list_offers(session, actor=caller.actor, episode_id=episode_id)]
