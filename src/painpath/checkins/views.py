"""JSON API for check-ins: an episode's scheduled check-ins as the episode panel shows them (the same
`ScheduledCheckin` the portal, the calendar and the reminders read). Same service as the pages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter

from painpath.checkins import service
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["checkins"])


@router.get("/episodes/{episode_id}/checkins")
def list_checkins(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[dict]:
    """Each check-in with its window, how it is done, its state and what did it, in date order."""
    found = service.episode_checkins(session, actor=caller.actor, episode_id=episode_id, knowledge=ctx.knowledge,
                                     calendar=ctx.calendar, today=ctx.calendar.local_date(utcnow()))
    return [asdict(c) for c in found]
