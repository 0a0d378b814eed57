"""Visits and check-ins (/portal/visits) and the same dates as a calendar file (/portal/visits.ics)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core import audit
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.portal import frame, visits
from painpath.portal.words import day_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/portal/visits")
def portal_visits(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    now = utcnow()
    ahead = visits.upcoming(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                            clinic=portal.clinic, patient_id=portal.me.patient_id, now=now)
    return frame.page(request, caller, portal, "portal/visits.html", ahead=ahead, day=day_words, today=ctx.calendar.local_date(now))


@router.get("/portal/visits.ics")
def portal_visits_ics(ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    now = utcnow()
    ahead = visits.upcoming(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                            clinic=portal.clinic, patient_id=portal.me.patient_id, now=now)
    audit.record(session, caller.actor, "portal.calendar_downloaded", object_type="patient", object_id=portal.me.patient_id,
                 patient_id=portal.me.patient_id, clinic_id=portal.me.clinic_id, detail={"events": len(ahead)})
    body = visits.ics(ahead, clinic=portal.clinic, calendar=ctx.calendar, now=now)
    headers = {"Content-Disposition": 'attachment; filename="my-visits.ics"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
