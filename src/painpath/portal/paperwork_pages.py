"""Work and forms (/portal/paperwork): the work restriction a clinician signed, in plain words, and where
each form the clinic fills in for the patient stands (received, being completed, sent on a day)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.paperwork import form_service, restrictions_service
from painpath.portal import frame
from painpath.portal.paperwork_words import form_name, form_words, restriction_words
from painpath.portal.words import day_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/portal/paperwork")
def portal_paperwork(request: Request, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    today = ctx.calendar.local_date(utcnow())
    restrictions, forms = [], []
    for episode in portal.episodes:
        signed = restrictions_service.latest_signed(session, episode.id)
        if signed is not None:
            restrictions.append(restriction_words(signed, today))
        for request_row in form_service.episode_requests(session, actor=caller.actor, episode_id=episode.id):
            found = ctx.knowledge.form_definitions.get(request_row.form_id)
            forms.append(form_words(request_row, name=form_name(found.name) if found else "Form", local=ctx.calendar.local_date))
    return frame.page(request, caller, portal, "portal/paperwork.html", restrictions=restrictions, forms=forms, day=day_words, today=today)
