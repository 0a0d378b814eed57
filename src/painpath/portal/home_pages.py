"""The portal's home (/portal): a greeting, the current step and what happens next, the next date ahead, the
insurance approvals in one line each, and the way to everything else. Plain words, no ids in the URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.portal import authorization_status, frame, visits
from painpath.portal.words import day_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/portal")
def portal_home(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    now = utcnow()
    today = ctx.calendar.local_date(now)
    plan, review = frame.current_plan(session, caller, portal, knowledge=ctx.knowledge, calendar=ctx.calendar, now=now)
    ahead = visits.upcoming(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                            clinic=portal.clinic, patient_id=portal.me.patient_id, now=now)
    approvals = authorization_status.for_episodes(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                                                  today=today)
    return frame.page(request, caller, portal, "portal/home.html", plan=plan, review=review, next_date=ahead[0] if ahead else None,
                      approvals=approvals, day=day_words, today=today)
