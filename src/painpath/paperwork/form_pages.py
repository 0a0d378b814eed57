"""Staff pages for the forms queue: the clinic-wide queue (deadline, owner, state, days open, turnaround),
the episode's "Forms" panel with the form to log a request, and the form request page with its actions
(draft from the chart, the clinician's signature, sent, closed, cancelled) and the filled PDF.

A refused form is shown again with what was typed and each problem next to its field (422, 409 on a stale
version).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, Forbidden
from painpath.core.validation import DbId
from painpath.paperwork import form_rules, form_sending, form_service
from painpath.paperwork.form_schemas import DraftIn, FormRequestIn, StepIn
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, refusal
from painpath.web.templating import templates

router = APIRouter()

LABELS = {"form_id": "Form", "requester_kind": "Requested by", "requester_name": "Employer or insurer",
          "requester_contact": "Send it to (fax or address)", "received_on": "Received by the clinic on",
          "employee_receipt_on": "The employee received the request on", "owner_id": "Coordinator who owns it",
          "flare_times": "Flare-ups: how many times", "flare_per": "Flare-ups: per", "flare_duration": "Each flare-up lasts",
          "flare_unit": "Flare-up length in", "incapacity": "Periods of incapacity", "expected_duration": "Probable duration",
          "expected_return_on": "Expected return to work", "to": "Step", "transport": "Sent by", "cancel_reason": "Why it is cancelled",
          "version": "Version"}
REQUESTERS = [("employer", "Employer"), ("insurer", "Insurer")]
TRANSPORTS = [("fax", "Fax"), ("print", "Print (hand or post it)")]
STEP_WORDS = {"signed": "Reviewed and signed", "closed": "Close (the requester has it)", "cancelled": "Cancel the request"}


def _coordinators(session: Session, clinic_id: int) -> list[tuple[int, str]]:
    users = session.scalars(select(User).where(User.clinic_id == clinic_id, User.role.in_(("coordinator", "manager")), User.active.is_(True))
                            .order_by(User.display_name))
    return [(u.id, u.display_name) for u in users]


def _forms(ctx: AppContext) -> list[tuple[str, str]]:
    return [(f.id, f.name) for f in ctx.knowledge.form_definitions.values()]


def _days_open(request, today) -> int:  # noqa: ANN001
    return (today - request.received_on).days


def _turnaround(request, ctx: AppContext) -> int | None:  # noqa: ANN001
    return form_rules.turnaround_days(request.received_on, ctx.calendar.local_date(request.sent_at) if request.sent_at else None)


# The episode panel -----------------------------------------------------------------------------------------

@patient_pages.episode_panel
def _forms_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    found = form_service.episode_requests(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    context = {"form_requests": found, "status_words": form_rules.STATUS_WORDS,
               "form_name": lambda form_id: getattr(asked.ctx.knowledge.form_definitions.get(form_id), "name", "Form"),
               "can_log": asked.caller.can(Permission.ORDER_WORK)}
    return [patient_pages.EpisodePanel("paperwork/forms_episode_panel.html", context, slot="main")]


# Logging a request --------------------------------------------------------------------------------------

def _new_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, form: dict[str, Any],
              problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    context = {"caller": caller, "patient": patient, "episode": episode, "form": form, "problems": problems or [],
               "errors": errors_by_field(problems or []), "labels": LABELS, "forms": _forms(ctx), "requesters": REQUESTERS,
               "coordinators": _coordinators(session, episode.clinic_id)}
    return templates.TemplateResponse(request, "paperwork/forms_new.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/form-requests/new")
def new_form_request(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    today = ctx.calendar.local_date(utcnow())
    form = {"form_id": "fmla_wh380e", "requester_kind": "employer", "received_on": today.isoformat(), "owner_id": caller.user.id}
    return _new_page(request, ctx, session, caller, episode_id, form)


@router.post("/episodes/{episode_id}/form-requests")
def create_form_request(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                        caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    values = {k: form.get(k) or None for k in ("form_id", "requester_kind", "requester_name", "requester_contact", "received_on",
                                                "employee_receipt_on", "owner_id")}
    try:
        created = form_service.create_request(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                              episode_id=episode_id, data=FormRequestIn.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _new_page(request, ctx, session, caller, episode_id, form, problems, status)
    return RedirectResponse(f"/form-requests/{created.id}", status_code=303)


# The form request page -------------------------------------------------------------------------------------

def _request_page(request: Request, ctx: AppContext, session: Session, caller: Caller, form_request_id: int, *, which: str | None = None,
                  form: dict[str, Any] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    found = form_service.read_request(session, actor=caller.actor, request_id=form_request_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=found.episode_id)
    definition = form_service.definition(ctx.knowledge, found.form_id)
    now = utcnow()
    resolved = form_rules.resolve(definition, form_service.chart_facts(session, request=found, calendar=ctx.calendar, now=now))
    ids = (found.owner_id, found.drafted_by_id, found.signed_by_id)
    names = {u.id: u.display_name for u in (session.get(User, i) for i in ids if i) if u}
    works = caller.can(Permission.ORDER_WORK)
    steps = [to for to in form_rules.offered_steps(found.status) if to != "drafted"
             and (to != "signed" or caller.can(Permission.NOTE_SIGN)) and (to == "signed" or works)]
    context = {
        "caller": caller, "patient": patient, "episode": episode, "fr": found, "definition": definition, "resolved": resolved,
        "drafted": found.drafted_values, "names": names, "status_words": form_rules.STATUS_WORDS, "local": clinic_clock(ctx.calendar),
        "today": ctx.calendar.local_date(now), "days_open": _days_open(found, ctx.calendar.local_date(now)),
        "turnaround": _turnaround(found, ctx), "can_draft": works and found.status in ("received", "drafted"),
        "can_send": works and found.status == "signed", "steps": [(to, STEP_WORDS[to]) for to in steps], "transports": TRANSPORTS,
        "which": which, "form": form or {}, "problems": problems or [], "errors": errors_by_field(problems or []), "labels": LABELS,
    }
    return templates.TemplateResponse(request, "paperwork/forms_request.html", context, status_code=status_code)


@router.get("/form-requests/{form_request_id}")
def form_request_page(form_request_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    return _request_page(request, ctx, session, caller, form_request_id)


@router.post("/form-requests/{form_request_id}/draft")
def draft_form(form_request_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    values = {k: form.get(k) or None for k in ("version", "flare_times", "flare_per", "flare_duration", "flare_unit", "incapacity",
                                                "expected_duration", "expected_return_on")}
    try:
        done = form_service.draft(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, request_id=form_request_id,
                                  data=DraftIn.model_validate(values))
        ctx.reconcile(session, [done.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _request_page(request, ctx, session, caller, form_request_id, which="draft", form=form, problems=problems, status_code=status)
    return RedirectResponse(f"/form-requests/{form_request_id}", status_code=303)


@router.post("/form-requests/{form_request_id}/step")
def form_step(form_request_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    """Signing needs a clinician (NOTE_SIGN); sending, closing and cancelling a coordinator (ORDER_WORK)."""
    to = form.get("to") or ""
    values = {"to": to, "version": form.get("version") or None, "transport": form.get("transport") or None,
              "cancel_reason": form.get("cancel_reason") or None}
    try:
        if to != "signed" and not caller.can(Permission.ORDER_WORK):
            raise Forbidden(Permission.ORDER_WORK)
        data = StepIn.model_validate(values)
        if data.to == "sent":
            done = form_sending.send_step(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                          request_id=form_request_id, data=data, extra_dirs=ctx.settings.extra_pack_dirs)
        else:
            done = form_service.step(session, actor=caller.actor, request_id=form_request_id, data=data,
                                     may_sign=caller.can(Permission.NOTE_SIGN))
        ctx.reconcile(session, [done.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _request_page(request, ctx, session, caller, form_request_id, which=to, form=form, problems=problems, status_code=status)
    return RedirectResponse(f"/form-requests/{form_request_id}", status_code=303)


@router.get("/form-requests/{form_request_id}/pdf")
def form_pdf(form_request_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    found = form_service.read_request(session, actor=caller.actor, request_id=form_request_id)
    pdf = form_service.filled_pdf(session, knowledge=ctx.knowledge, calendar=ctx.calendar, request=found, extra_dirs=ctx.settings.extra_pack_dirs)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{found.reference}.pdf"', "Cache-Control": "no-store"})


# The clinic-wide queue ----------------------------------------------------------------------------------------

@router.get("/forms-queue")
def forms_queue(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.LOOPS_READ)]) -> Response:
    """Every form request of the clinic: open ones first, by the clinic's target date. A read model: names only."""
    today = ctx.calendar.local_date(utcnow())
    rows = []
    for fr, patient_name, owner in form_service.queue(session, clinic_id=caller.user.clinic_id):
        definition = ctx.knowledge.form_definitions.get(fr.form_id)
        rows.append({"fr": fr, "patient": patient_name, "owner": owner, "form": definition.name if definition else fr.form_id,
                     "days_open": _days_open(fr, today) if fr.status in form_rules.OPEN_STATES else None,
                     "turnaround": _turnaround(fr, ctx),
                     "overdue": fr.deadline_on is not None and fr.status in form_rules.OPEN_STATES and today > fr.deadline_on,
                     "late_for_target": fr.status in form_rules.OPEN_STATES and today > fr.target_on})
    audit_access.note_listed(session, caller.actor, list_name="forms_queue", patient_ids=[r["fr"].patient_id for r in rows])
    sent = [r["turnaround"] for r in rows if r["turnaround"] is not None]
    context = {"caller": caller, "rows": rows, "status_words": form_rules.STATUS_WORDS,
               "median_turnaround": sorted(sent)[len(sent) // 2] if sent else None, "sent_count": len(sent)}
    return templates.TemplateResponse(request, "paperwork/forms_queue.html", context)
