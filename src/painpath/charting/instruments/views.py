"""JSON API for validated instruments: the catalogue, administering on an episode, the episode's
administrations with change since baseline, and the clinician's safety review of an alert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.instruments import service
from painpath.charting.instruments.schemas import AdministrationIn, AdministrationOut, InstrumentSummaryOut, SafetyReviewIn
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["instruments"])


@router.get("/instruments", response_model=list[InstrumentSummaryOut])
def list_instruments(ctx: AppCtx, caller: Annotated[Caller, requires(Permission.KNOWLEDGE_READ)]) -> list[dict]:
    out = []
    for inst in sorted(ctx.knowledge.instruments.values(), key=lambda i: i.name):
        out.append({
            "id": inst.id, "name": inst.name, "title": inst.title, "direction": inst.direction,
            "items": [
                {"id": it.id, "text": it.text, "answers": [{"value": o.value, "label": o.label} for o in inst.options(it.id)]}
                for it in inst.items
            ],
            "score_range": {"min": inst.scoring.range.min, "max": inst.scoring.range.max},
            "mic": None if inst.mic is None else {"points": inst.mic.points, "percent_of_baseline": inst.mic.percent_of_baseline},
            "has_alerts": bool(inst.alerts),
        })
    return out


@router.post("/episodes/{episode_id}/instrument-administrations", response_model=AdministrationOut, status_code=201)
def administer(  # noqa: ANN201
    episode_id: DbId, data: AdministrationIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.INSTRUMENT_ADMINISTER)],
):
    row = service.administer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    ctx.reconcile(session, [row.episode_id])
    change = dict(service.administrations(session, knowledge=ctx.knowledge, episode_id=row.episode_id)).get(row)
    return service.as_output(row, change, ctx.knowledge)


@router.get("/episodes/{episode_id}/instrument-administrations", response_model=list[AdministrationOut])
def list_administrations(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    from painpath.patients import service as patients

    patients.read_episode(session, actor=caller.actor, episode_id=episode_id)  # clinic check + chart-read audit
    return [service.as_output(row, change, ctx.knowledge) for row, change in service.administrations(session, knowledge=ctx.knowledge, episode_id=episode_id)]


@router.post("/instrument-administrations/{administration_id}/safety-review", response_model=AdministrationOut)
def safety_review(  # noqa: ANN201
    administration_id: DbId, data: SafetyReviewIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.TRIAGE_ACKNOWLEDGE)],
):
    row = service.record_safety_review(session, actor=caller.actor, administration_id=administration_id, note=data.note)
    ctx.reconcile(session, [row.episode_id])
    change = dict(service.administrations(session, knowledge=ctx.knowledge, episode_id=row.episode_id)).get(row)
    return service.as_output(row, change, ctx.knowledge)
