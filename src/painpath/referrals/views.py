"""JSON API for referrals: write one, list an episode's, record a step of its loop, and export it as FHIR
(a Bundle with the ServiceRequest and the Task that tracks it). Same services as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.referrals import rules, service
from painpath.referrals.fhir import referral_bundle
from painpath.referrals.schemas import ReferralIn, ReferralOut, TransitionIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["referrals"])


@router.post("/episodes/{episode_id}/referrals", response_model=ReferralOut, status_code=201)
def create_referral(episode_id: DbId, data: ReferralIn, ctx: AppCtx, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.ORDER_PLACE)]):  # noqa: ANN201
    referral = service.create_referral(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
    ctx.reconcile(session, [episode_id])
    return referral


@router.get("/episodes/{episode_id}/referrals", response_model=list[ReferralOut])
def list_referrals(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return service.episode_referrals(session, actor=caller.actor, episode_id=episode_id)


@router.post("/referrals/{referral_id}/transition", response_model=ReferralOut)
def record_transition(referral_id: DbId, data: TransitionIn, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.ORDER_WORK)]):  # noqa: ANN201
    referral = service.record_transition(session, actor=caller.actor, calendar=ctx.calendar, referral_id=referral_id, data=data,
                                         may_close=caller.can(Permission.ORDER_PLACE))
    ctx.reconcile(session, [referral.episode_id])
    return referral


@router.get("/referrals/{referral_id}/fhir")
def referral_fhir(referral_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> JSONResponse:
    referral = service.read_referral(session, actor=caller.actor, referral_id=referral_id)
    practice = service.get_practice(session, clinic_id=referral.clinic_id, practice_id=referral.practice_id)
    bundle = referral_bundle(referral, practice, specialty_name=service.specialty_name(ctx.knowledge, referral.specialty),
                             status_words=rules.STATUS_WORDS[referral.status])
    return JSONResponse(bundle, media_type="application/fhir+json")
