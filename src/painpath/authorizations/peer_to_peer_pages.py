"""The peer-to-peer preparation PDF, linked from the case page once the payer has denied (or partly
approved) the request and while the peer-to-peer is scheduled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from painpath.authorizations import peer_to_peer_service
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter()


@router.get("/authorizations/{case_id}/peer-to-peer")
def peer_to_peer_download(case_id: DbId, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    """The patient's timeline and the clinic's steps, each with the criterion it followed, as of today."""
    pdf = peer_to_peer_service.render_peer_to_peer(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                                   case_id=case_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="peer-to-peer-PA-{case_id}.pdf"'})
