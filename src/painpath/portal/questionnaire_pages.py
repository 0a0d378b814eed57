"""The patient's questionnaires at home (/portal/questionnaires).

- The list: questionnaires waiting now (open check-ins answered by a questionnaire) and those done in the
  last four weeks ("Done on 12 Feb, thank you"; no scores).
- The form: the staff pages' form macro (instruments/form.html), built only from the instrument's pack,
  inside the portal's frame; one question per card, large radio targets, readable at 375 px. Answers are
  parsed, refused and explained by the same helpers as the staff form (charting/instruments/pages.py),
  scored by the same engine (portal/questionnaires.submit -> charting/instruments/service.administer).
- After submitting: a thank-you page, or, when an answer raised a safety alert (PHQ-9 item 9 above 0),
  the crisis lines first (/portal/questionnaires/support); the alert's clinician task is raised by the
  same reconcile as any other administration.

No URL carries a patient or episode id: the record is the signed-in patient's (portal/access.py), and the
episode is the open check-in's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.charting import scoring
from painpath.charting.instruments.pages import ANSWER_PREFIX, answers_from_form, plain_problems
from painpath.checkins.schedule import ScheduledCheckin
from painpath.context import AppContext
from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from painpath.core.tenancy import Clinic
from painpath.portal import questionnaires
from painpath.portal.access import PortalPatient, portal_patient
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields
from painpath.web.templating import templates

router = APIRouter()
PortalCaller = Annotated[Caller, requires(Permission.PORTAL_USE)]


def _today(ctx: AppContext) -> date:
    return ctx.calendar.local_date(utcnow())


def _day(value: date) -> str:
    """'Thu 12 Feb': the day in plain words, without the year."""
    return f"{value:%a} {value.day} {value:%b}"


def _shown(session: Session, caller: Caller, who: PortalPatient, view: str) -> None:
    """The patient read their own record: one access row per request, like any chart read."""
    audit_access.note_shown(session, caller.actor, patient_id=who.patient_id, object_type="portal", object_id=who.account_id, view=view)


def _clinic(session: Session, who: PortalPatient) -> Clinic | None:
    return session.get(Clinic, who.clinic_id)


@router.get("/portal/questionnaires")
def questionnaires_page(request: Request, ctx: AppCtx, session: DbSession, caller: PortalCaller) -> Response:
    who = portal_patient(session, caller.actor)
    found = questionnaires.waiting(session, who=who, knowledge=ctx.knowledge, calendar=ctx.calendar, today=_today(ctx))
    _shown(session, caller, who, "questionnaires")
    due = [{"checkin": c, "name": ctx.knowledge.instruments[c.instrument_id].title,
            "questions": len(ctx.knowledge.instruments[c.instrument_id].items), "until": _day(c.due_on)} for c in found.due]
    done = [{"checkin": c, "on": _day(c.done_on)} for c in found.done]
    return templates.TemplateResponse(request, "portal/questionnaires.html", {"caller": caller, "due": due, "done": done})


def _lines(ctx: AppContext) -> list:
    return list(ctx.knowledge.crisis_resources.lines) if ctx.knowledge.crisis_resources else []


def _clinic_by_id(session: Session, clinic_id: int) -> Clinic | None:
    return session.get(Clinic, clinic_id)


def _form_page(request: Request, ctx: AppContext, session: Session, caller: Caller, checkin: ScheduledCheckin, *, chosen: dict[str, str] | None = None,
               problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    instrument = ctx.knowledge.instruments[checkin.instrument_id]
    problems = problems or []
    # A safety alert on a refused form (item 9 answered, another left blank) is not a problem to fix: the
    # patient sees the crisis lines at once, above the form, and the staff words of the alert stay out.
    crisis = any(p.rule.startswith("alert_") for p in problems)
    context = {"caller": caller, "instrument": instrument, "checkin": checkin, "until": _day(checkin.due_on),
               "chosen": dict(chosen or {}), "problems": [p for p in problems if not p.rule.startswith("alert_")],
               "crisis": crisis, "lines": _lines(ctx) if crisis else [], "clinic": _clinic_by_id(session, checkin.clinic_id) if crisis else None}
    return templates.TemplateResponse(request, "portal/questionnaire_form.html", context, status_code=status_code)


@router.get("/portal/questionnaires/support")
def support_page(request: Request, ctx: AppCtx, session: DbSession, caller: PortalCaller) -> Response:
    """The crisis lines, first and alone at the top; then the thank-you. Public information: nothing of the record."""
    who = portal_patient(session, caller.actor)
    return templates.TemplateResponse(request, "portal/questionnaire_support.html",
                                      {"caller": caller, "lines": _lines(ctx), "clinic": _clinic(session, who)})


@router.get("/portal/questionnaires/thank-you")
def thank_you_page(request: Request, ctx: AppCtx, session: DbSession, caller: PortalCaller) -> Response:
    who = portal_patient(session, caller.actor)
    found = questionnaires.waiting(session, who=who, knowledge=ctx.knowledge, calendar=ctx.calendar, today=_today(ctx))
    return templates.TemplateResponse(request, "portal/questionnaire_thanks.html",
                                      {"caller": caller, "more": len(found.due), "clinic": _clinic(session, who)})


@router.get("/portal/questionnaires/{instrument_id}")
def questionnaire_form(instrument_id: str, request: Request, ctx: AppCtx, session: DbSession, caller: PortalCaller,
                       checkin: str | None = None) -> Response:
    who = portal_patient(session, caller.actor)
    found = questionnaires.waiting_checkin(session, who=who, knowledge=ctx.knowledge, calendar=ctx.calendar, today=_today(ctx),
                                           instrument_id=instrument_id, key=checkin)
    _shown(session, caller, who, "questionnaire form")
    return _form_page(request, ctx, session, caller, found)


@router.post("/portal/questionnaires/{instrument_id}")
def submit_questionnaire(instrument_id: str, request: Request, ctx: AppCtx, session: DbSession, caller: PortalCaller,
                         form: FormFields) -> Response:
    who = portal_patient(session, caller.actor)
    checkin = questionnaires.waiting_checkin(session, who=who, knowledge=ctx.knowledge, calendar=ctx.calendar, today=_today(ctx),
                                             instrument_id=instrument_id, key=form.get("checkin") or None)
    instrument = ctx.knowledge.instruments[checkin.instrument_id]
    answers, problems = answers_from_form(instrument, form)
    try:
        if problems:
            raise InvalidInput(problems + scoring.validate_answers(instrument, answers))
        row = questionnaires.submit(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                    checkin=checkin, answers=answers)
        ctx.reconcile(session, [row.episode_id])  # a safety alert raises the clinician's task now
    except (ValidationError, DomainError) as exc:
        session.rollback()
        if isinstance(exc, NotFound):
            raise
        found = plain_problems(instrument, exc.problems if isinstance(exc, DomainError) else [
            FieldProblem("answers", "valid", "Some answers could not be read. Please choose again.")])
        chosen = {k.removeprefix(ANSWER_PREFIX): v for k, v in form.items() if k.startswith(ANSWER_PREFIX)}
        status = exc.status_code if isinstance(exc, DomainError) else 422
        return _form_page(request, ctx, session, caller, checkin, chosen=chosen, problems=found, status_code=status)
    target = "/portal/questionnaires/support" if questionnaires.needs_crisis_support(row) else "/portal/questionnaires/thank-you"
    return RedirectResponse(target, status_code=303)
