"""JSON API for the patient's timeline of major events: record, list, correct, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.charting.patient_events import service
from painpath.charting.patient_events.schemas import EventIn, EventOut, EventUpdate, RemoveIn, RemovedOut
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["patient timeline"])


@router.post("/episodes/{episode_id}/patient-events", response_model=EventOut, status_code=201)
def record_event(episode_id: DbId, data: EventIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    return service.record_event(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)


@router.get("/episodes/{episode_id}/patient-events", response_model=list[EventOut])
def list_events(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]):  # noqa: ANN201
    return service.list_events(session, actor=caller.actor, episode_id=episode_id)


@router.put("/patient-events/{event_id}", response_model=EventOut)
def update_event(event_id: DbId, data: EventUpdate, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    return service.update_event(session, actor=caller.actor, calendar=ctx.calendar, event_id=event_id, data=data)


@router.post("/patient-events/{event_id}/remove", response_model=RemovedOut)
def remove_event(event_id: DbId, data: RemoveIn, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]):  # noqa: ANN201
    episode_id = service.remove_event(session, actor=caller.actor, event_id=event_id, version=data.version)
    return RemovedOut(id=event_id, episode_id=episode_id)
