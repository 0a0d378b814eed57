"""Documents the clinic shared (/portal/documents) and their download (/portal/shared-documents/{id}): the
PDF is rendered fresh from the current plan or taper (portal/documents.py). The download's id is a chart id
("shared-documents", portal/access.py), so another patient's id is refused by the own-record caseload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.validation import DbId
from painpath.portal import documents, frame
from painpath.portal.words import day_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/portal/documents")
def portal_documents(request: Request, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    portal = frame.open_portal(session, caller)
    shared = documents.shared_now(session, episode_ids=[e.id for e in portal.episodes])
    return frame.page(request, caller, portal, "portal/documents.html", shared=shared, titles=documents.KIND_WORDS,
                      notes=documents.KIND_NOTES, local=ctx.calendar.local_date, day=day_words,
                      today=ctx.calendar.local_date(utcnow()))


@router.get("/portal/shared-documents/{shared_document_id}")
def portal_document_download(shared_document_id: DbId, ctx: AppCtx, session: DbSession,
                             caller: Annotated[Caller, requires(Permission.PORTAL_USE)]) -> Response:
    frame.open_portal(session, caller)  # an account that is revoked reaches nothing
    name, pdf = documents.download(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                   shared_document_id=shared_document_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
