"""The patient's timeline on the episode page: the form to add an event the patient reports, above the
timeline's entries (the events themselves are timeline entries, see timeline.py), and one page per event
to correct or remove it. Same schemas and services as the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from painpath.charting import panel_forms
from painpath.charting.patient_events import rules, service
from painpath.charting.patient_events.models import PatientEvent
from painpath.charting.patient_events.schemas import EventIn, EventUpdate, RemoveIn
from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()
STATE_KEY = "patient_events"
LABELS = {"kind": "What happened", "year": "Year", "month": "Month", "day": "Day", "description": "Description", "version": "Version"}
MONTHS = [(str(n), name) for n, name in enumerate(("January", "February", "March", "April", "May", "June", "July", "August",
                                                    "September", "October", "November", "December"), start=1)]
_FIELDS = ("kind", "year", "month", "day", "description")


def _choices() -> dict[str, Any]:
    return {"labels": LABELS, "kinds": [(k, rules.KIND_WORDS[k]) for k in rules.KINDS], "months": MONTHS}


def form_values(form: Mapping[str, str]) -> dict[str, Any]:
    """The posted form as the schema reads it: empty month and day mean "the patient does not remember"."""
    return {"kind": form.get("kind", ""), "year": form.get("year") or None, "month": form.get("month") or None,
            "day": form.get("day") or None, "description": form.get("description", "")}


@patient_pages.episode_panel
def _add_event_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    if not asked.caller.can(Permission.EPISODE_WRITE):
        return []
    context = {**panel_forms.state_of(asked, STATE_KEY), **_choices()}
    return [patient_pages.EpisodePanel("patient_events/add_event.html", context, slot="timeline")]


@router.post("/episodes/{episode_id}/patient-events")
def record_event_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    def act(data: EventIn) -> object:
        return service.record_event(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)

    return panel_forms.submit(request, ctx, session, caller, episode_id=episode_id, key=STATE_KEY, which="record", form=form,
                              schema=EventIn, values=form_values(form), act=act, anchor="timeline-heading")


# One event: correct or remove it -------------------------------------------------------------------

def _event_form(event: PatientEvent) -> dict[str, str]:
    precision = event.date_precision
    return {"kind": event.kind, "year": str(event.occurred_on.year),
            "month": str(event.occurred_on.month) if precision in ("month", "day") else "",
            "day": str(event.occurred_on.day) if precision == "day" else "", "description": event.description,
            "version": str(event.version)}


def _event_page(request: Request, ctx: AppContext, session: Session, caller: Caller, event_id: int, *, which: str = "",
                form: Mapping[str, str] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    event = service.get_event(session, clinic_id=caller.actor.clinic_id, event_id=event_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=event.episode_id)
    problems = problems or []
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "event": event, "patient": patient, "episode": episode, "which": which, "form": dict(form) if form else _event_form(event),
        "problems": problems, "errors": errors_by_field(problems), "can_write": caller.can(Permission.EPISODE_WRITE),
        "when": rules.when_words(event.occurred_on, event.date_precision), "kind_words": rules.KIND_WORDS,
        "origin_words": rules.ORIGIN_WORDS, **_choices(),
    }
    return templates.TemplateResponse(request, "patient_events/event.html", context, status_code=status_code)


@router.get("/patient-events/{event_id}")
def event_page(event_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    return _event_page(request, ctx, session, caller, event_id)


def _refused(request: Request, ctx: AppContext, session: Session, caller: Caller, event_id: int, which: str,
             form: Mapping[str, str] | None, exc: Exception) -> Response:
    session.rollback()
    if isinstance(exc, ValidationError):
        return _event_page(request, ctx, session, caller, event_id, which=which, form=form, problems=validation_problems(exc), status_code=422)
    assert isinstance(exc, DomainError)
    return _event_page(request, ctx, session, caller, event_id, which=which, form=form, problems=exc.problems, status_code=exc.status_code)


@router.post("/patient-events/{event_id}/edit")
def edit_event_form(event_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    try:
        data = EventUpdate.model_validate({**form_values(form), "version": form.get("version") or None})
        event = service.update_event(session, actor=caller.actor, calendar=ctx.calendar, event_id=event_id, data=data)
        ctx.reconcile(session, [event.episode_id])
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, ctx, session, caller, event_id, "edit", form, exc)
    return RedirectResponse(f"/episodes/{event.episode_id}#timeline-heading", status_code=303)


@router.post("/patient-events/{event_id}/remove")
def remove_event_form(event_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                      caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    try:
        data = RemoveIn.model_validate({"version": form.get("version") or None})
        episode_id = service.remove_event(session, actor=caller.actor, event_id=event_id, version=data.version)
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        # Nothing was typed in the remove form: the page shows the event as it is now, to look at before removing.
        return _refused(request, ctx, session, caller, event_id, "remove", None, exc)
    return RedirectResponse(f"/episodes/{episode_id}#timeline-heading", status_code=303)
