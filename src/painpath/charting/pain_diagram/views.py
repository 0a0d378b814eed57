"""JSON API for pain diagrams: record or change a visit note's diagram, list an episode's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.pain_diagram import service
from painpath.charting.pain_diagram.schemas import DiagramIn, DiagramOut, MarkOut
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["pain diagram"])


def _out(recorded: service.Recorded) -> DiagramOut:
    d = recorded.diagram
    return DiagramOut(id=d.id, encounter_id=d.encounter_id, episode_id=d.episode_id, date_of_service=d.date_of_service,
                      recorded_by_id=d.recorded_by_id, recorded_at=d.recorded_at, version=d.version,
                      marks=[MarkOut(region=m.region, pain_type=m.pain_type, intensity=m.intensity) for m in recorded.marks])


@router.put("/encounters/{encounter_id}/pain-diagram", response_model=DiagramOut)
def record_diagram(encounter_id: DbId, data: DiagramIn, ctx: AppCtx, session: DbSession,
                   caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> DiagramOut:
    regions = ctx.knowledge.body_regions
    diagram = service.record_diagram(session, actor=caller.actor, regions=regions, encounter_id=encounter_id, data=data)
    ctx.reconcile(session, [diagram.episode_id])
    recorded = service.diagram_of_encounter(session, encounter_id=diagram.encounter_id, order=list(regions))
    assert recorded is not None
    return _out(recorded)


@router.get("/episodes/{episode_id}/pain-diagrams", response_model=list[DiagramOut])
def list_diagrams(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[DiagramOut]:
    return [_out(r) for r in service.list_diagrams(session, actor=caller.actor, episode_id=episode_id, order=list(ctx.knowledge.body_regions))]
