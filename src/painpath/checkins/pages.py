"""The episode page's "Check-ins" panel (each check-in with its window, how it is done, its state and what did
it) and the check-in page, where staff write the check-in note (after a procedure it asks the relief), book a
video time, give a new day after a miss, cancel with a reason, or mark red flags reviewed. A refused form is
shown again with the input kept and each problem named (422, or 409 when someone saved first)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.checkins import rules, service
from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, PermissionDenied, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, refusal
from painpath.web.templating import templates

router = APIRouter()
KEY_PATTERN = r"^(procedure|pt|taper|scores):[a-z0-9_:]{1,100}$"
STATUS_WORDS = {"upcoming": "Upcoming", "open": "Due now", "done": "Done", "missed": "Missed", "cancelled": "Cancelled"}
HOW_WORDS = {"telehealth": "Telehealth call", "questionnaire": "Patient's questionnaire"}
KIND_WORDS = {"after_procedure": "After a procedure", "pt_block": "During the PT block", "taper": "During the taper",
              "weekly_scores": "Weekly function score"}
LABELS = {"pain_now": "Pain now (0 to 10)", "function_words": "Function: how the patient is managing day to day",
          "side_effects": "Side effects", "red_flags": "Red flags reported", "red_flags_words": "Which red flags",
          "next_step": "Next step", "relief_percent": "Relief from the procedure (percent)", "done_on": "Date of the check-in",
          "booked_at": "Video call time", "rescheduled_to": "New day", "cancel_reason": "Why it is cancelled", "version": "Version"}


def _today(ctx: AppContext) -> date:
    return ctx.calendar.local_date(utcnow())


@patient_pages.episode_panel
def _checkins_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    found = service.schedule(session, clinic_id=episode.clinic_id, episode_ids=[episode.id], knowledge=ctx.knowledge,
                             calendar=ctx.calendar, today=_today(ctx)).get(episode.id, [])
    if not found:
        return []
    context = {"checkins": found, "status_words": STATUS_WORDS, "how_words": HOW_WORDS, "local": clinic_clock(ctx.calendar),
               "link": rules.checkin_link}
    return [patient_pages.EpisodePanel("checkins/episode_checkins.html", context, slot="main")]


def _page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, key: str, *, which: str | None = None,
          form: dict[str, Any] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    today = _today(ctx)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    checkin, record = service.get_checkin(session, actor=caller.actor, episode_id=episode_id, key=key, knowledge=ctx.knowledge,
                                          calendar=ctx.calendar, today=today)
    ids = [i for i in ((record.done_by_id, record.booked_by_id, record.cancelled_by_id, record.red_flags_reviewed_by_id) if record else ()) if i]
    names = {u.id: u.display_name for u in (session.get(User, i) for i in ids) if u}
    context = {
        "caller": caller, "patient": patient, "episode": episode, "checkin": checkin, "record": record, "names": names,
        "status_words": STATUS_WORDS, "how_words": HOW_WORDS, "kind_words": KIND_WORDS, "labels": LABELS, "today": today,
        "local": clinic_clock(ctx.calendar), "which": which, "form": form or {}, "problems": problems or [],
        "errors": errors_by_field(problems or []), "version": record.version if record else 0,
        "can_note": caller.can(Permission.CHECKIN_RECORD) and checkin.how == "telehealth" and checkin.status != "done",
        "can_book": caller.can(Permission.VISIT_BOOK) and checkin.status not in ("done", "cancelled"),
        "can_review": (caller.can(Permission.CHECKIN_RECORD) and caller.user.role == "clinician" and record is not None
                       and bool(record.red_flags) and record.red_flags_reviewed_at is None),
        "action": f"/checkins/episodes/{episode_id}",
    }
    return templates.TemplateResponse(request, "checkins/checkin.html", context, status_code=status_code)


@router.get("/checkins/episodes/{episode_id}")
def checkin_page(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.CHART_READ)],
                 key: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None) -> Response:
    """One check-in with its forms (?key=...), or without a key the episode's check-ins."""
    if key is None:
        return _list_page(request, ctx, session, caller, episode_id)
    return _page(request, ctx, session, caller, episode_id, key)


def _key(form: dict[str, str]) -> str:
    """The check-in the form is about (a hidden field); one the facts do not owe is a 404."""
    key = form.get("key") or ""
    if not re.match(KEY_PATTERN, key):
        raise NotFound("check-in", key or "(none)")
    return key


def _list_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int) -> Response:
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    found = service.schedule(session, clinic_id=episode.clinic_id, episode_ids=[episode.id], knowledge=ctx.knowledge,
                             calendar=ctx.calendar, today=_today(ctx)).get(episode.id, [])
    context = {"caller": caller, "patient": patient, "episode": episode, "checkins": found, "status_words": STATUS_WORDS,
               "how_words": HOW_WORDS, "local": clinic_clock(ctx.calendar), "link": rules.checkin_link}
    return templates.TemplateResponse(request, "checkins/episode_checkins_page.html", context)


def _chart_reader(caller: Caller) -> None:
    """Booking, moving and cancelling a check-in are done on its page, which shows the clinical reason for it: the
    person who books reads the chart too (the coordinator does; the front desk, which books visits, does not)."""
    if not caller.can(Permission.CHART_READ):
        raise PermissionDenied(Permission.CHART_READ)


def _version(form: dict[str, str]) -> int | None:
    value = form.get("version") or ""
    return int(value) if value.isdigit() else None


def _number(form: dict[str, str], name: str, problems: list[FieldProblem], kind: type = int) -> Any:  # noqa: ANN401
    value = form.get(name) or ""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        problems.append(FieldProblem(name, "number", "Enter a whole number" if kind is int else "Enter a number"))
        return None


def _date(form: dict[str, str], name: str, problems: list[FieldProblem]) -> date | None:
    value = form.get(name) or ""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(FieldProblem(name, "date", "Enter a real date (year, month, day)"))
        return None


def _act(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, key: str, which: str,
         form: dict[str, str], problems: list[FieldProblem], act) -> Response:  # noqa: ANN001
    try:
        if problems:
            raise DomainError(problems)
        act()
        ctx.reconcile(session, [episode_id])
    except (DomainError, StaleDataError) as exc:
        found, status = refusal(exc)
        if type(exc) is DomainError:
            status = 422
        session.rollback()
        return _page(request, ctx, session, caller, episode_id, key, which=which, form=form, problems=found, status_code=status)
    return RedirectResponse(rules.checkin_link(episode_id, key), status_code=303)


@router.post("/checkins/episodes/{episode_id}/note")
def write_note(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.CHECKIN_RECORD)]) -> Response:
    key = _key(form)
    problems: list[FieldProblem] = []
    pain = _number(form, "pain_now", problems)
    relief = _number(form, "relief_percent", problems, float)
    done_on = _date(form, "done_on", problems)
    flags = {"yes": True, "no": False}.get(form.get("red_flags") or "")
    return _act(request, ctx, session, caller, episode_id, key, "note", form, problems, lambda: service.write_note(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=key,
        expected_version=_version(form), pain_now=pain, function_words=form.get("function_words"), side_effects=form.get("side_effects"),
        red_flags=flags, red_flags_words=form.get("red_flags_words"), next_step=form.get("next_step"), relief_percent=relief,
        done_on=done_on))


@router.post("/checkins/episodes/{episode_id}/book")
def book(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
         caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
    _chart_reader(caller)
    key = _key(form)
    problems: list[FieldProblem] = []
    booked_at = None
    if form.get("booked_at"):
        try:
            booked_at = datetime.fromisoformat(form["booked_at"])
        except ValueError:
            problems.append(FieldProblem("booked_at", "datetime", "Enter a date and a time"))
    return _act(request, ctx, session, caller, episode_id, key, "book", form, problems, lambda: service.book(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=key,
        expected_version=_version(form), booked_at=booked_at))


@router.post("/checkins/episodes/{episode_id}/reschedule")
def reschedule(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
    _chart_reader(caller)
    key = _key(form)
    problems: list[FieldProblem] = []
    new_day = _date(form, "rescheduled_to", problems)
    return _act(request, ctx, session, caller, episode_id, key, "reschedule", form, problems, lambda: service.reschedule(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=key,
        expected_version=_version(form), new_day=new_day))


@router.post("/checkins/episodes/{episode_id}/cancel")
def cancel(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
           caller: Annotated[Caller, requires(Permission.VISIT_BOOK)]) -> Response:
    _chart_reader(caller)
    key = _key(form)
    return _act(request, ctx, session, caller, episode_id, key, "cancel", form, [], lambda: service.cancel(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=key,
        expected_version=_version(form), reason=form.get("cancel_reason")))


@router.post("/checkins/episodes/{episode_id}/red-flags-reviewed")
def review_red_flags(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.CHECKIN_RECORD)]) -> Response:
    key = _key(form)
    return _act(request, ctx, session, caller, episode_id, key, "review", form, [], lambda: service.review_red_flags(
        session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, key=key,
        expected_version=_version(form)))
