"""The "Payer policy changes" page: each coming version of a payer's policy (and each clinic draft) with what it
changes in the rule and the open cases it changes, old against new; a draft uploaded for a preview (checked by
the knowledge loader, never stored); and the coordinator's "reviewed" mark on a changed case.

The cases shown are the caller's caseload, and the listing is noted in the access log like the board's.
"""

from __future__ import annotations

import tempfile
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
from painpath.authorizations.policy_changes import PolicyChange, day, outcome_words
from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.auth import chart_access
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.core.validation import DbId
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field

router = APIRouter()

MAX_DRAFT_BYTES = 512 * 1024  # a policy pack is a few kilobytes; this is room for a whole payer's packs
DRAFT_LABELS = {"draft": "Draft policy file"}


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
                    after=outcome_words(row.difference.after), eligible_before=day(row.difference.eligible_before),
                    eligible_after=day(row.difference.eligible_after), words=row.difference.words,
                    reviewed=(row.case.id, change.key) in done) for row in result.cases]
        payers = [names.get(p, p) for p in change.new.payers] + [f"every {t.replace('_', ' ')} plan" for t in change.new.plan_types]
        out.append(Shown(change=change, payer=", ".join(payers), procedures=", ".join(names.get(p, p) for p in change.new.procedures),
                         words=change.words(names), rows=rows, in_force=change.effective_from <= today))
    return out


def _drafts_in_directories(ctx: AppContext) -> list[PolicyChange]:
    """The clinic's drafts (packs marked `status: draft` in its pack directories), each checked with the packs."""
    found: list[PolicyChange] = []
    for pack in ctx.knowledge.draft_packs:
        if pack.header.kind != "authorization_policy":
            continue
        _, policies = changes.read_draft(ctx.settings.extra_pack_dirs, pack.file)
        found += changes.draft_changes(ctx.knowledge, policies)
    return found


def render(request: Request, ctx: AppContext, session: Session, caller: Caller, *, preview: list[PolicyChange] | None = None,
           preview_name: str = "", problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    today = _today(ctx)
    recent = changes.version_changes(ctx.knowledge, starting_after=today - changes.RECENT)
    return _page(
        request, "authorizations/policy_changes.html", ctx, caller, status_code=status_code, today=today,
        coming=_shown(ctx, session, caller, recent, today), drafts=_shown(ctx, session, caller, _drafts_in_directories(ctx), today),
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
    return DraftUpload(await posted.read(MAX_DRAFT_BYTES + 1), posted.filename)


@router.post("/payer-policy-changes/preview")
def preview_form(request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 upload: Annotated[DraftUpload, Depends(_draft)],
                 caller: Annotated[Caller, requires(Permission.AUTHORIZATION_READ)]) -> Response:
    """A draft policy pack previewed against the open cases: checked like any pack, shown, and not kept."""
    try:
        preview = _preview(ctx, upload)
    except DomainError as exc:
        return render(request, ctx, session, caller, problems=exc.problems, status_code=exc.status_code)
    return render(request, ctx, session, caller, preview=preview, preview_name=Path(upload.filename).name)


def _preview(ctx: AppContext, upload: DraftUpload) -> list[PolicyChange]:
    if upload.content is None:
        raise InvalidInput(FieldProblem("draft", "required", "Choose the draft policy file (a .yaml policy pack) to preview"))
    if len(upload.content) > MAX_DRAFT_BYTES:
        raise InvalidInput(FieldProblem("draft", "max_size", "The draft is larger than a policy pack can be (512 KB)"))
    # The loader reads files: the upload lives in a temporary folder only while it is checked.
    with tempfile.TemporaryDirectory(prefix="painpath-draft-") as folder:
        file = Path(folder) / "draft.yaml"
        file.write_bytes(upload.content)
        _, policies = changes.read_draft(ctx.settings.extra_pack_dirs, file)
    return changes.draft_changes(ctx.knowledge, policies)


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
