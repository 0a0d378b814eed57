"""Staff pages for work restrictions: the episode's "Work restrictions" panel (with the graded return-to-work
plan), the restriction form (blank, or drafted from the chart's latest functional measures with their dates),
the restriction page (a clinician signs the draft; anyone on the care team prints the letter), and the
return-to-work steps' forms. The JSON API mirror is in restrictions_views.py and rides on this router.

A refused form is shown again with what was typed and each problem next to its field (422, 409 on a stale
version).
"""

from __future__ import annotations

from datetime import date, timedelta
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
from painpath.core.validation import DbId
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.paperwork import restrictions_letter, restrictions_rules, restrictions_service, restrictions_views, return_to_work_service
from painpath.paperwork.restrictions_duties import STEP_KINDS
from painpath.paperwork.restrictions_schemas import RestrictionIn, SignIn, StepIn, StepRecordIn
from painpath.paperwork.restrictions_words import limits_in_words
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, refusal
from painpath.web.templating import templates

router = APIRouter()
router.include_router(restrictions_views.router)

LABELS = {
    "duty_level": "Duty level", "issued_on": "Issued on", "valid_until": "Valid until", "re_evaluate_on": "Re-evaluate on",
    "lifting_lb": "Lifting limit (pounds)", "lifting_frequency": "How often", "lifting_side": "Which arm",
    "carrying_lb": "Carrying limit (pounds)", "sitting_minutes": "Sitting at a time (minutes)", "standing_minutes": "Standing at a time (minutes)",
    "walking_minutes": "Walking at a time (minutes)", "hours_per_day": "Hours per day", "shifts_per_week": "Shifts per week",
    "break_every_minutes": "A break every (minutes)", "driving": "Driving at work", "driving_minutes": "Driving at a time (minutes)",
    "avoid": "Positions to avoid", "notes": "Notes for the employer", "measures": "Functional measures", "version": "Version",
    "status": "Status", "previous_id": "Restriction it follows",
}
STEP_LABELS = {"starts_on": "Starts on", "kind": "Kind of step", "description": "What the step is", "hours_per_week": "Hours per week",
               "what": "What is recorded", "on": "On", "note": "How it is going", "version": "Version"}
NUMBER_FIELDS = tuple(restrictions_rules.NUMERIC)


async def _posted(request: Request) -> dict[str, Any]:
    """The posted form as stripped strings, with `avoid` (checkboxes) as a list. A dependency, so the routes stay
    sync and their database work stays off the event loop."""
    posted = await request.form()
    form: dict[str, Any] = {k: v.strip() for k, v in posted.items() if isinstance(v, str) and k != "avoid"}
    form["avoid"] = [v for v in posted.getlist("avoid") if isinstance(v, str)]
    return form


PostedForm = Annotated[dict[str, Any], Depends(_posted)]


def _restriction_values(form: dict[str, Any]) -> dict[str, Any]:
    values = {name: form.get(name) or None for name in (*NUMBER_FIELDS, "lifting_frequency", "lifting_side", "driving",
                                                       "duty_level", "issued_on", "valid_until", "re_evaluate_on")}
    values["avoid"], values["notes"] = form.get("avoid") or [], form.get("notes") or ""
    return values


def _form_values(limits: dict[str, Any]) -> dict[str, Any]:
    """Numbers shown as the clinician would type them (15, not 15.0)."""
    return {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in limits.items() if v is not None}


# The episode panel ------------------------------------------------------------------------------------

@patient_pages.episode_panel
def _restrictions_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    actor = asked.caller.actor
    found = restrictions_service.episode_restrictions(asked.session, actor=actor, episode_id=asked.episode.id)
    steps = return_to_work_service.episode_steps(asked.session, actor=actor, episode_id=asked.episode.id)
    state = asked.state.get("return_to_work", {})
    context = {
        "restrictions": found, "in_force": restrictions_service.latest_signed(asked.session, asked.episode.id),
        "words": limits_in_words, "duty_levels": restrictions_rules.DUTY_LEVELS, "steps": steps, "step_kinds": STEP_KINDS,
        "today": asked.ctx.calendar.local_date(utcnow()), "can_write": asked.caller.can(Permission.PLAN_WRITE),
        "can_confirm": asked.caller.can(Permission.EPISODE_WRITE), "step_form": state.get("form", {}),
        "step_errors": errors_by_field(state.get("problems", [])), "step_problems": state.get("problems", []), "step_labels": STEP_LABELS,
        "which": state.get("which"), "caller": asked.caller, "episode": asked.episode, "day": restrictions_rules.day_words,
    }
    return [patient_pages.EpisodePanel("paperwork/restrictions_panel.html", context, slot="main")]


# The restriction form -------------------------------------------------------------------------------------

def _form_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, form: dict[str, Any], *,
               sources: list[str] | None = None, problems: list[FieldProblem] | None = None, status_code: int = 200,
               editing: int | None = None) -> Response:
    """The form for a new restriction, or (`editing`: its id) for a draft's edit."""
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=episode_id)
    context = {
        "action": f"/work-restrictions/{editing}" if editing else f"/episodes/{episode_id}/work-restrictions", "editing": editing,
        "caller": caller, "patient": patient, "episode": episode, "form": form, "sources": sources or [], "problems": problems or [],
        "errors": errors_by_field(problems or []), "labels": LABELS, "duty_levels": list(restrictions_rules.DUTY_LEVELS.items()),
        "frequencies": [(k, v.capitalize()) for k, v in restrictions_rules.FREQUENCIES.items()],
        "sides": [(k, v.capitalize()) for k, v in restrictions_rules.SIDES.items()], "driving": list(restrictions_rules.DRIVING.items()),
        "positions": list(restrictions_rules.POSITIONS.items()), "chosen": set(form.get("avoid") or []),
        "in_force": restrictions_service.latest_signed(session, episode.id), "can_write": caller.can(Permission.PLAN_WRITE),
    }
    return templates.TemplateResponse(request, "paperwork/restrictions_form.html", context, status_code=status_code)


@router.get("/episodes/{episode_id}/work-restrictions/new")
def restriction_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.CHART_READ)], from_chart: bool = False) -> Response:
    """The form; `?from_chart=true` pre-fills the items from the latest functional measures and lists them with
    their dates. Without it, a restriction in force is the starting point (an amendment or an extension)."""
    pack = ctx.knowledge.work_restrictions
    today = ctx.calendar.local_date(utcnow())
    valid_until = pack.timings.default_duration.after(ctx.calendar, today) if pack else today + timedelta(days=28)
    re_evaluate = pack.timings.re_evaluate_before_expiry.before(ctx.calendar, valid_until) if pack else valid_until
    form: dict[str, Any] = {"issued_on": today.isoformat(), "valid_until": valid_until.isoformat(), "re_evaluate_on": re_evaluate.isoformat()}
    sources: list[str] = []
    in_force = restrictions_service.latest_signed(session, episode_id)
    if from_chart:
        draft = restrictions_service.draft_from_chart(session, actor=caller.actor, episode_id=episode_id)
        form.update(_form_values(draft.limits))
        form["duty_level"] = draft.duty_level or ""
        sources = draft.sources or ["No functional measures are recorded on this episode yet"]
    elif in_force is not None:
        form.update(_form_values(restrictions_rules.limits_from(in_force.items)))
        form["duty_level"], form["notes"] = in_force.duty_level, in_force.notes
    return _form_page(request, ctx, session, caller, episode_id, form, sources=sources)


@router.post("/episodes/{episode_id}/work-restrictions")
def create_restriction(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: PostedForm,
                       caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    try:
        restriction = restrictions_service.create_restriction(session, actor=caller.actor, episode_id=episode_id,
                                                              data=RestrictionIn.model_validate(_restriction_values(form)))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _form_page(request, ctx, session, caller, episode_id, form, problems=problems, status_code=status)
    return RedirectResponse(f"/work-restrictions/{restriction.id}", status_code=303)


@router.get("/work-restrictions/{restriction_id}/edit")
def edit_form(restriction_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
              caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    restriction = restrictions_service.read_restriction(session, actor=caller.actor, restriction_id=restriction_id)
    form = {**_form_values(restrictions_rules.limits_from(restriction.items)), "duty_level": restriction.duty_level, "notes": restriction.notes,
            "issued_on": restriction.issued_on.isoformat(), "valid_until": restriction.valid_until.isoformat(),
            "re_evaluate_on": restriction.re_evaluate_on.isoformat(), "version": restriction.version}
    return _form_page(request, ctx, session, caller, restriction.episode_id, form, editing=restriction.id)


@router.post("/work-restrictions/{restriction_id}")
def update_restriction(restriction_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: PostedForm,
                       caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    restriction = restrictions_service.read_restriction(session, actor=caller.actor, restriction_id=restriction_id)
    episode_id = restriction.episode_id
    try:
        version = SignIn.model_validate({"version": form.get("version") or None}).version
        restrictions_service.update_draft(session, actor=caller.actor, restriction_id=restriction_id, version=version,
                                          data=RestrictionIn.model_validate(_restriction_values(form)))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _form_page(request, ctx, session, caller, episode_id, form, problems=problems, status_code=status, editing=restriction_id)
    return RedirectResponse(f"/work-restrictions/{restriction_id}", status_code=303)


# The restriction page -------------------------------------------------------------------------------------

def _restriction_page(request: Request, ctx: AppContext, session: Session, caller: Caller, restriction_id: int, *,
                      problems: list[FieldProblem] | None = None, status_code: int = 200) -> Response:
    restriction = restrictions_service.read_restriction(session, actor=caller.actor, restriction_id=restriction_id)
    patient, episode = patients.read_episode(session, actor=caller.actor, episode_id=restriction.episode_id)
    names = {u.id: u.display_name for u in (session.get(User, i) for i in (restriction.drafted_by_id, restriction.signed_by_id) if i) if u}
    based_on = [f"{restrictions_rules.MEASURE_WORDS.get(m, m).capitalize()} measured {restrictions_rules.day_words(date.fromisoformat(d))}"
                for m, d in restriction.based_on.items()]
    context = {
        "caller": caller, "patient": patient, "episode": episode, "restriction": restriction, "names": names,
        "words": limits_in_words(restriction), "based_on": based_on, "problems": problems or [], "labels": LABELS,
        "can_sign": restriction.status == "draft" and caller.can(Permission.PLAN_WRITE), "day": restrictions_rules.day_words,
    }
    return templates.TemplateResponse(request, "paperwork/restrictions_page.html", context, status_code=status_code)


@router.get("/work-restrictions/{restriction_id}")
def restriction_page(restriction_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    return _restriction_page(request, ctx, session, caller, restriction_id)


@router.post("/work-restrictions/{restriction_id}/sign")
def sign_restriction(restriction_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                     caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    try:
        data = SignIn.model_validate({"version": form.get("version") or None})
        restriction = restrictions_service.sign_restriction(session, actor=caller.actor, restriction_id=restriction_id, version=data.version)
        ctx.reconcile(session, [restriction.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        problems, status = refusal(exc)
        session.rollback()
        return _restriction_page(request, ctx, session, caller, restriction_id, problems=problems, status_code=status)
    return RedirectResponse(f"/work-restrictions/{restriction_id}", status_code=303)


@router.get("/work-restrictions/{restriction_id}/letter")
def restriction_letter(restriction_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    restriction = restrictions_service.read_restriction(session, actor=caller.actor, restriction_id=restriction_id)
    pdf = restrictions_letter.letter_pdf(session, restriction=restriction)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="work-restriction-{restriction.reference}.pdf"', "Cache-Control": "no-store"})


# The return-to-work plan ------------------------------------------------------------------------------------

def _episode_again(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: int, which: str,
                   form: dict[str, Any], exc: Exception) -> Response:
    problems, status = refusal(exc)
    session.rollback()
    state = {"return_to_work": {"which": which, "form": form, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)


@router.post("/episodes/{episode_id}/return-to-work-steps")
def add_step(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
             caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    values = {name: form.get(name) or None for name in ("starts_on", "kind", "description", "hours_per_week")}
    try:
        return_to_work_service.add_step(session, actor=caller.actor, episode_id=episode_id, data=StepIn.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError) as exc:
        return _episode_again(request, ctx, session, caller, episode_id, "add", form, exc)
    return RedirectResponse(f"/episodes/{episode_id}#return-to-work", status_code=303)


@router.post("/return-to-work-steps/{step_id}/record")
def record_on_step(step_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    values = {name: form.get(name) or None for name in ("what", "on", "note", "version")}
    try:
        step = return_to_work_service.record_on_step(session, actor=caller.actor, step_id=step_id, data=StepRecordIn.model_validate(values),
                                                     may_check=caller.can(Permission.PLAN_WRITE))
        ctx.reconcile(session, [step.episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        episode_id = return_to_work_service.step_episode(session, clinic_id=caller.actor.clinic_id, step_id=step_id)
        return _episode_again(request, ctx, session, caller, episode_id, f"step-{step_id}", form, exc)
    return RedirectResponse(f"/episodes/{step.episode_id}#return-to-work", status_code=303)
