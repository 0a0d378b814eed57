"""The patient's plan (/portal/plan): the same words as the printed plan (plans/patient_plan.py builds them),
on a phone: what we are doing now, how we will know it works, what happens next and when (the plan's
check-in day), the goals, what helps, and where each insurance approval stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.portal import authorization_status, frame
from painpath.portal.words import day_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/portal/plan")
def portal_plan(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    now = utcnow()
    today = ctx.calendar.local_date(now)
    plan, review = frame.current_plan(session, caller, portal, knowledge=ctx.knowledge, calendar=ctx.calendar, now=now)
    approvals = authorization_status.for_episodes(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                                                  today=today)
    return frame.page(request, caller, portal, "portal/plan.html", plan=plan, review=review, approvals=approvals, day=day_words,
                      today=today)


@router.get("/portal/authorization")
def portal_authorization(request: Request, ctx: AppCtx, session: DbSession,
                         caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    """Each insurance approval the plan waits on, explained: when we asked, when they usually answer, what we do next."""
    portal = frame.open_portal(session, caller)
    today = ctx.calendar.local_date(utcnow())
    approvals = authorization_status.for_episodes(session, knowledge=ctx.knowledge, calendar=ctx.calendar, episodes=portal.episodes,
                                                  today=today)
    return frame.page(request, caller, portal, "portal/authorization.html", approvals=approvals, day=day_words, today=today)
