"""Staff side of shared documents: the episode page's "On the patient's portal" panel (the plan and each
taper schedule, shared or not, with Share / Stop sharing), for those who hold PORTAL_INVITE.

A refused share is shown again on the episode page with the reason (422, 409 on a stale withdrawal).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm.exc import StaleDataError

from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, Forbidden, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.portal import documents
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, refusal

router = APIRouter()
LABELS = {"kind": "What to share", "reference": "Which document", "version": "Version"}


@patient_pages.episode_panel(needs=Permission.PORTAL_INVITE)
def _portal_documents_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    if not asked.caller.can(Permission.PORTAL_INVITE):
        return []
    state = asked.state.get("portal_documents", {})
    has_account = asked.session.scalar(_active_account_of(asked.episode.patient_id)) is not None
    items = documents.shareable(asked.session, episode_id=asked.episode.id)
    if not asked.caller.can(Permission.CHART_READ):  # minimum necessary: a medicine schedule is the clinical chart's
        items = [item for item in items if item.kind != "taper"]
    context = {"items": items, "has_account": has_account,
               "problems": state.get("problems", []), "errors": errors_by_field(state.get("problems", [])), "labels": LABELS,
               "local": asked.ctx.calendar.local_date}
    return [patient_pages.EpisodePanel("portal/share_panel.html", context, slot="side")]


def _active_account_of(patient_id: int):  # noqa: ANN202 - a select
    from sqlalchemy import select  # noqa: PLC0415

    from painpath.portal.models import PatientAccount  # noqa: PLC0415

    return select(PatientAccount.id).where(PatientAccount.patient_id == patient_id, PatientAccount.revoked_at.is_(None)).limit(1)


def _again(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: int, exc: Exception) -> Response:
    session.rollback()
    problems, status = refusal(exc)
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state={"portal_documents": {"problems": problems}},
                                             status_code=status)


def _int(value: str | None, field: str, label: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise DomainError(FieldProblem(field, "integer", f"{label}: choose one from the list")) from None


@router.post("/episodes/{episode_id}/portal-documents")
def share_document(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.PORTAL_INVITE)]) -> Response:
    """Share the episode's plan or a taper schedule with the patient on the portal."""
    if form.get("kind") == "taper" and not caller.can(Permission.CHART_READ):
        raise Forbidden(Permission.CHART_READ.value)
    try:
        row = documents.share(session, actor=caller.actor, episode_id=episode_id, kind=form.get("kind", ""),
                              reference=_int(form.get("reference"), "reference", LABELS["reference"]))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _again(request, ctx, session, caller, episode_id, exc)
    return RedirectResponse(f"/episodes/{row.episode_id}#portal-documents", status_code=303)


@router.post("/shared-documents/{shared_document_id}/withdraw")
def withdraw_document(shared_document_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.PORTAL_INVITE)]) -> Response:
    """Stop sharing a document: the patient no longer sees or downloads it (the row stays, audited)."""
    row = documents.get_shared(session, actor=caller.actor, shared_document_id=shared_document_id)
    episode_id = row.episode_id
    try:
        documents.withdraw(session, actor=caller.actor, shared_document_id=shared_document_id,
                           version=_int(form.get("version"), "version", LABELS["version"]))
        session.flush()
    except (DomainError, StaleDataError) as exc:
        if isinstance(exc, NotFound):
            raise
        return _again(request, ctx, session, caller, episode_id, exc)
    return RedirectResponse(f"/episodes/{episode_id}#portal-documents", status_code=303)
