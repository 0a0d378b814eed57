"""Staff pages for referrals: the episode's "Referrals" panel, the referral form (which takes prefill query
parameters, so the care plan and the behavioural-health offer link to it ready-filled), the referral page
with the actions of its state, the letter, and the receiving practices directory.

A refused form is shown again with what was typed and each problem next to its field (422, 409 on a stale
version); the other forms stay as they were.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem
from painpath.core.validation import DbId, SafeText
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.referrals import queries, rules, sending, service
from painpath.referrals.schemas import PracticeIn, PracticeUpdate, ReferralIn, SendIn, TransitionIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, refusal
from painpath.web.templating import templates

router = APIRouter()

REFERRAL_LABELS = {"specialty": "Specialty", "practice_id": "Receiving practice", "reason": "Reason for referral",
                   "question": "Clinical question", "urgency": "Urgency", "records": "Records sent with it", "plan_step_row_id": "Care-plan step"}
PRACTICE_LABELS = {"name": "Practice name", "specialties": "Specialties", "clinician_name": "Clinician", "fax": "Fax", "phone": "Phone",
                   "direct_address": "Direct address", "active": "Takes referrals", "version": "Version"}
STEP_LABELS = {"acknowledged_on": "Acknowledged on", "appointment_on": "Appointment date", "seen_on": "Seen on",
               "consult_note_on": "Consult note dated", "consult_summary": "What the consultant found and recommends",
               "plan_adjustment": "How the plan changes", "cancel_reason": "Why it is cancelled",
               "practice_confirmed": "The practice says so", "transport": "Send by", "to": "Step", "version": "Version"}
URGENCIES = [("routine", "Routine"), ("urgent", "Urgent")]
TRANSPORTS = [("fax", "Fax"), ("direct", "Direct secure message"), ("print", "Print (hand or post it)")]
# The form of each recorded step: its heading, then its fields as (name, kind, label, hint).
STEP_FORMS: dict[str, tuple[str, list[tuple[str, str, str, str | None]]]] = {
    "acknowledged": ("The practice acknowledged the referral", [("acknowledged_on", "date", STEP_LABELS["acknowledged_on"], None)]),
    "scheduled": ("The practice booked an appointment", [("appointment_on", "date", STEP_LABELS["appointment_on"], None)]),
    "seen": ("The patient was seen", [
        ("seen_on", "date", STEP_LABELS["seen_on"], None),
        ("practice_confirmed", "checkbox", "The practice says the patient was seen (no appointment was recorded here)", None)]),
    "consult_received": ("The consult note arrived", [
        ("consult_note_on", "date", STEP_LABELS["consult_note_on"], None),
        ("consult_summary", "textarea", STEP_LABELS["consult_summary"], None),
        ("seen_on", "date", "Seen on", "Only when the visit is not recorded yet"),
        ("practice_confirmed", "checkbox", "The note says the patient was seen (no visit was recorded here)", None)]),
    "closed": ("Review the consult note and close the loop", [
        ("plan_adjustment", "textarea", STEP_LABELS["plan_adjustment"], "For example: switch PT to the hip protocol; no surgery for now")]),
    "cancelled": ("Cancel the referral", [("cancel_reason", "textarea", STEP_LABELS["cancel_reason"], None)]),
}


async def _posted_with_lists(request: Request) -> dict[str, Any]:
    """The posted form as stripped strings, with the multi-choice fields (records, specialties) as lists. A
    dependency, so the routes stay sync and their database work stays off the event loop."""
    posted = await request.form()
    form: dict[str, Any] = {k: v.strip() for k, v in posted.items() if isinstance(v, str) and k not in LIST_FIELDS}
    form.update({name: [v for v in posted.getlist(name) if isinstance(v, str)] for name in LIST_FIELDS})
    return form


LIST_FIELDS = ("records", "specialties")
PostedForm = Annotated[dict[str, Any], Depends(_posted_with_lists)]


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _specialties(ctx: AppContext) -> list[tuple[str, str]]:
    return [(s.id, s.name) for s in ctx.knowledge.referral_specialties.values()]


# The episode panel ------------------------------------------------------------------------------------

@patient_pages.episode_panel
def _referrals_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    found = service.episode_referrals(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    practices = {p.id: p for p in service.list_practices(asked.session, clinic_id=asked.episode.clinic_id)}
    context = {"referrals": found, "practices": practices, "status_words": rules.STATUS_WORDS, "local": clinic_clock(asked.ctx.calendar),
               "specialty_name": lambda s: service.specialty_name(asked.ctx.knowledge, s), "can_place": asked.caller.can(Permission.ORDER_PLACE)}
    return [patient_pages.EpisodePanel("referrals/episode_referrals.html", context, slot="main")]


# The referral form --------------------------------------------------------------------------------------

def _form_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, form: dict[str, Any],
               problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    practices = service.list_practices(session, clinic_id=episode.clinic_id, active_only=True)
    specialty = ctx.knowledge.referral_specialties.get(form.get("specialty") or "")
    context = {
        "caller": caller, "patient": patient, "episode": episode, "form": form, "problems": problems or [],
        "errors": errors_by_field(problems or []), "labels": REFERRAL_LABELS, "specialties": _specialties(ctx), "urgencies": URGENCIES,
        "practices": [(p.id, f"{p.name}" + (f" ({p.clinician_name})" if p.clinician_name else "") + ": "
                       + ", ".join(service.specialty_name(ctx.knowledge, s) for s in p.specialties)) for p in practices],
        "documents": queries.documents_on_file(session, episode.id), "chosen": set(form.get("records", [])),
        "usual_records": specialty.records if specialty else [], "specialty_label": specialty.name if specialty else None,
        "can_place": caller.can(Permission.ORDER_PLACE),
    }
    return templates.TemplateResponse(request, "referrals/referral_form.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/referrals/new")
def referral_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.CHART_READ)], specialty: SafeText = "", reason: SafeText = "",
                  question: SafeText = "", urgency: SafeText = "routine", plan_step_row_id: SafeText = "") -> Response:
    """The form, filled from the query: ?specialty=pain_psychology&reason=...&question=...&urgency=urgent&plan_step_row_id=12.
    Anyone on the care team may open it (a coordinator following a plan's link sees what is to be written); only a
    clinician (ORDER_PLACE) gets the form that saves it."""
    form = {"specialty": specialty if specialty in ctx.knowledge.referral_specialties else "", "reason": reason[:2000],
            "question": question[:2000], "urgency": urgency if urgency in rules.URGENCIES else "routine",
            "plan_step_row_id": _int_or_none(plan_step_row_id) or ""}
    return _form_page(request, ctx, session, caller, episode_id, form)


@router.post("/episodes/{episode_id}/referrals")
def create_referral(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: PostedForm,
                    caller: Annotated[Caller, requires(Permission.ORDER_PLACE)]) -> Response:
    values = {**{k: form.get(k) or None for k in ("specialty", "practice_id", "reason", "question", "urgency", "plan_step_row_id")},
              "records": form["records"]}
    values["specialty"], values["urgency"] = values["specialty"] or "", values["urgency"] or "routine"
    try:
        referral = service.create_referral(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id,
                                           data=ReferralIn.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _form_page(request, ctx, session, caller, episode_id, form, problems, status)
    return RedirectResponse(f"/referrals/{referral.id}", status_code=303)


# The referral page ---------------------------------------------------------------------------------------

def _actions(status: str, caller: Caller) -> list[str]:
    """The steps the page offers in this state, to this person."""
    if not caller.can(Permission.ORDER_WORK):
        return []
    return [to for to in rules.offered_steps(status) if to != "closed" or caller.can(Permission.ORDER_PLACE)]


def _referral_page(request: Request, ctx: AppContext, session: Session, caller: Caller, referral_id: int, *, which: str | None = None,
                   form: dict[str, Any] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    referral = service.read_referral(session, actor=caller.actor, referral_id=referral_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=referral.episode_id)
    practice = service.get_practice(session, clinic_id=referral.clinic_id, practice_id=referral.practice_id)
    names = {u.id: u.display_name for u in (session.get(User, i) for i in (referral.created_by_id, referral.closed_by_id) if i) if u}
    context = {
        "caller": caller, "patient": patient, "episode": episode, "referral": referral, "practice": practice, "names": names,
        "specialty": service.specialty_name(ctx.knowledge, referral.specialty), "status_words": rules.STATUS_WORDS,
        "waiting_on": rules.WAITING_ON.get(referral.status), "local": clinic_clock(ctx.calendar), "today": ctx.calendar.local_date(utcnow()),
        "actions": [(to, *STEP_FORMS[to]) for to in _actions(referral.status, caller)], "transports": TRANSPORTS,
        "can_send": referral.status == "drafted" and referral.transmission != "sending" and caller.can(Permission.ORDER_WORK),
        "which": which, "form": form or {}, "problems": problems or [], "errors": errors_by_field(problems or []), "labels": STEP_LABELS,
    }
    return templates.TemplateResponse(request, "referrals/referral.html", context, status_code=status_code)


@router.get("/referrals/{referral_id}")
def referral_page(referral_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    return _referral_page(request, ctx, session, caller, referral_id)


@router.post("/referrals/{referral_id}/transition")
def record_step(referral_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    to = form.get("to") or ""
    values = {name: form.get(name) or None for name in STEP_LABELS if name not in ("transport",)}
    values["to"], values["practice_confirmed"] = to, bool(form.get("practice_confirmed"))
    try:
        referral = service.record_transition(session, actor=caller.actor, calendar=ctx.calendar, referral_id=referral_id,
                                             data=TransitionIn.model_validate(values), may_close=caller.can(Permission.ORDER_PLACE))
        ctx.reconcile(session, [referral.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _referral_page(request, ctx, session, caller, referral_id, which=to, form=form, problems=problems, status_code=status)
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


@router.post("/referrals/{referral_id}/send")
def send_referral(referral_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                  caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    try:
        data = SendIn.model_validate({"transport": form.get("transport") or None, "version": form.get("version") or None})
        referral = sending.send_referral(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                         referral_id=referral_id, transport=data.transport, version=data.version)
        ctx.reconcile(session, [referral.episode_id])
    except (ValidationError, DomainError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _referral_page(request, ctx, session, caller, referral_id, which="send", form=form, problems=problems, status_code=status)
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


@router.get("/referrals/{referral_id}/letter")
def referral_letter(referral_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    referral = service.read_referral(session, actor=caller.actor, referral_id=referral_id)
    pdf = sending.letter_pdf(session, knowledge=ctx.knowledge, calendar=ctx.calendar, referral=referral)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="referral-{referral.reference}.pdf"', "Cache-Control": "no-store"})


# The receiving practices directory ----------------------------------------------------------------------

def _practices_page(request: Request, ctx: AppContext, session: Session, caller: Caller, *, which: str | None = None, target: int | None = None,
                    form: dict[str, Any] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    context = {
        "caller": caller, "practices": service.list_practices(session, clinic_id=caller.user.clinic_id), "specialties": _specialties(ctx),
        "specialty_name": lambda s: service.specialty_name(ctx.knowledge, s), "labels": PRACTICE_LABELS, "which": which, "target": target,
        "form": form or {}, "problems": problems or [], "errors": errors_by_field(problems or []),
    }
    return templates.TemplateResponse(request, "referrals/practices.html", context, status_code=status_code)


def _practice_values(form: dict[str, Any]) -> dict[str, Any]:
    values = {name: form.get(name) or None for name in ("name", "clinician_name", "fax", "phone", "direct_address", "version")}
    values["name"], values["specialties"] = values["name"] or "", form["specialties"]
    return values


@router.get("/referral-practices")
def practices_page(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    return _practices_page(request, ctx, session, caller)


@router.post("/referral-practices")
def add_practice(request: Request, ctx: AppCtx, session: DbSession, form: PostedForm,
                 caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    values = _practice_values(form)
    values.pop("version")
    try:
        service.add_practice(session, actor=caller.actor, knowledge=ctx.knowledge, data=PracticeIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _practices_page(request, ctx, session, caller, which="add", form=form, problems=problems, status_code=status)
    return RedirectResponse("/referral-practices", status_code=303)


@router.post("/referral-practices/{practice_id}")
def update_practice(practice_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: PostedForm,
                    caller: Annotated[Caller, requires(Permission.ORDER_WORK)]) -> Response:
    values = _practice_values(form)
    values["active"] = bool(form.get("active"))
    try:
        service.update_practice(session, actor=caller.actor, knowledge=ctx.knowledge, practice_id=practice_id,
                                data=PracticeUpdate.model_validate(values))
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _practices_page(request, ctx, session, caller, which="edit", target=practice_id, form=form, problems=problems,
                               status_code=status)
    return RedirectResponse(f"/referral-practices#practice-{practice_id}", status_code=303)
