"""The "Payer policy changes" page: each coming version of a payer's policy (and each clinic draft) with what it
changes in the rule and the open cases it changes, old against new; a draft uploaded for a preview (checked by
the knowledge loader, never stored); and the coordinator's "reviewed" mark on a changed case.

The cases shown are the caller's caseload, and the listing is noted in the access log like the board's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from painpath.authorizations import policy_change_service as changes
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.pages import Words, _page, _patient_names, _today
from painpath.authorizations.policy_changes import PolicyChange, date_words, day, outcome_words
from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.auth import chart_access
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field

router = APIRouter()

DRAFT_LABELS = {"draft": "Draft policy file"}

# How a plan type reads in a sentence ("every Medicare plan").
PLAN_TYPE_WORDS = {"medicare": "Medicare", "medicare_advantage": "Medicare Advantage", "medicaid": "Medicaid",
                   "commercial": "commercial", "workers_comp": "workers' compensation"}


@dataclass(frozen=True)
class Row:
    case: AuthorizationCase
    patient_name: str
    procedure: str
    before: str
    after: str
    eligible_before: str
    eligible_after: str
    words: tuple[str, ...]
    reviewed: bool


@dataclass(frozen=True)
class Shown:
    change: PolicyChange
    payer: str
    procedures: str
    words: list[str]
    rows: list[Row]
    in_force: bool  # the effective date has come: the changed cases have their tasks


def _shown(ctx: AppContext, session: Session, caller: Caller, found: list[PolicyChange], today: date) -> list[Shown]:
    knowledge = ctx.knowledge
    names = changes.names(knowledge)
    cases = changes.clinic_open_cases(session, clinic_id=caller.user.clinic_id,
                                      where=[chart_access.caseload_filter(caller.actor, AuthorizationCase.episode_id)])
    results = changes.impact(session, knowledge=knowledge, calendar=ctx.calendar, changes=found, cases=cases, today=today)
    listed = [row.case for result in results for row in result.cases]
    patient_names = _patient_names(session, sorted({c.patient_id for c in listed}))
    audit_access.note_listed(session, caller.actor, list_name="payer_policy_changes", patient_ids=[c.patient_id for c in listed])
    done = changes.reviewed(session, [c.id for c in listed])
    words = Words(knowledge, ctx.calendar, today)
    out = []
    for result in results:
        change = result.change
        rows = [Row(case=row.case, patient_name=patient_names.get(row.case.patient_id, "Unknown patient"),
                    procedure=words.procedure(row.case), before=outcome_words(row.difference.before),
                    after=outcome_words(row.difference.after), eligible_before=date_words(row.difference.before),
                    eligible_after=date_words(row.difference.after), words=row.difference.words,
                    reviewed=(row.case.id, change.key) in done) for row in result.cases]
        payers = [names.get(p, p) for p in change.new.payers] + [f"every {PLAN_TYPE_WORDS[t]} plan" for t in change.new.plan_types]
        out.append(Shown(change=change, payer=", ".join(payers), procedures=", ".join(names.get(p, p) for p in change.new.procedures),
                         words=change.words(names), rows=rows, in_force=change.effective_from <= today))
    return out


@dataclass(frozen=True)
class StoredDraft:
    id: int | None  # None: a draft file in the clinic's pack directories (removed there, not here)
    name: str
    shown: list[Shown]
    problem: str | None  # the loader's words when the packs have since outgrown the draft


def _drafts(ctx: AppContext, session: Session, caller: Caller, today: date) -> list[StoredDraft]:
    """The clinic's drafts: those kept on this page, and packs marked `status: draft` in its pack directories."""
    found: list[StoredDraft] = []
    for draft in changes.stored_drafts(session, clinic_id=caller.user.clinic_id):
        try:
            previewed = changes.preview(ctx.knowledge, ctx.settings.extra_pack_dirs, draft.content.encode("utf-8"))
        except DomainError as exc:
            found.append(StoredDraft(draft.id, draft.name, [], "; ".join(p.message for p in exc.problems)))
            continue
        found.append(StoredDraft(draft.id, draft.name, _shown(ctx, session, caller, previewed, today), None))
    for pack in ctx.knowledge.draft_packs:
        if pack.header.kind == "authorization_policy":
            try:
                _, policies = changes.read_draft(ctx.settings.extra_pack_dirs, pack.file)
            except DomainError as exc:
                found.append(StoredDraft(None, pack.file.name, [], "; ".join(p.message for p in exc.problems)))
                continue
            found.append(StoredDraft(None, pack.file.name, _shown(ctx, session, caller, changes.draft_changes(ctx.knowledge, policies), today), None))
    return found


def render(request: Request, ctx: AppContext, session: Session, caller: Caller, *, preview: list[PolicyChange] | None = None,
           preview_name: str = "", problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    today = _today(ctx)
    recent = changes.version_changes(ctx.knowledge, starting_after=today - changes.RECENT)
    return _page(
        request, "authorizations/policy_changes.html", ctx, caller, status_code=status_code, today=today,
        coming=_shown(ctx, session, caller, recent, today), drafts=_drafts(ctx, session, caller, today),
        preview=_shown(ctx, session, caller, preview, today) if preview is not None else None, preview_name=preview_name,
        problems=problems or [], errors=errors_by_field(problems or []), labels=DRAFT_LABELS,
    )


@router.get("/payer-policy-changes")
def policy_changes_page(request: Request, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    return render(request, ctx, session, caller)


@dataclass(frozen=True)
class DraftUpload:
    content: bytes | None
    filename: str


async def _draft(request: Request) -> DraftUpload:
    posted = (await request.form()).get("draft")
    if posted is None or isinstance(posted, str) or not posted.filename:
        return DraftUpload(None, "")
    return DraftUpload(await posted.read(changes.MAX_DRAFT_BYTES + 1), posted.filename)


@router.post("/payer-policy-changes/preview")
def preview_form(request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 upload: Annotated[DraftUpload, Depends(_draft)],
                 caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    """A draft policy pack previewed against the open cases, checked like any pack; kept for colleagues when asked.
    A bad draft names the pack's field; nothing is kept. Drafting is authorization work (coordinators, clinicians,
    billing); everyone who reads authorizations sees the kept drafts on the page."""
    name = Path(upload.filename).name
    try:
        if upload.content is None:
            raise InvalidInput(FieldProblem("draft", "required", "Choose the draft policy file (a .yaml policy pack) to preview"))
        previewed = changes.preview(ctx.knowledge, ctx.settings.extra_pack_dirs, upload.content)
        if form.get("keep"):
            changes.keep_draft(session, actor=caller.actor, knowledge=ctx.knowledge, knowledge_dirs=ctx.settings.extra_pack_dirs,
                               name=name, content=upload.content)
    except DomainError as exc:
        session.rollback()
        return render(request, ctx, session, caller, problems=exc.problems, status_code=exc.status_code)
    return render(request, ctx, session, caller, preview=previewed, preview_name=name)


@router.post("/payer-policy-changes/drafts/{draft_id}/remove")
def remove_draft_form(draft_id: DbId, ctx: AppCtx, session: DbSession, form: FormFields,  # noqa: ARG001 - CSRF-checked form
                      caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    changes.remove_draft(session, actor=caller.actor, draft_id=draft_id)
    return RedirectResponse("/payer-policy-changes", status_code=303)


@router.post("/authorizations/{case_id}/policy-change-reviewed")
def reviewed_form(case_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                  caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> Response:
    """The coordinator has read what a payer's new policy version does to the case (meets its task)."""
    key = (form.get("change") or "").strip()
    known = {c.key: c for c in changes.version_changes(ctx.knowledge)}
    change = known.get(key)
    if change is None:
        raise InvalidInput(FieldProblem("change", "known_change", "No such payer policy change"))
    case = changes.mark_reviewed(session, actor=caller.actor, case_id=case_id, change_key=key,
                                 words=f"{change.new.name}, from {day(change.effective_from)}")
    ctx.reconcile(session, [case.episode_id])
    back = form.get("back") or ""
    return RedirectResponse("/payer-policy-changes" if back == "changes" else f"/authorizations/{case_id}", status_code=303)
