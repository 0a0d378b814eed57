"""The episode page's "Medication trials" panel (each trial, its label and why, drawn as bars), the
add-trial form, the plan-a-trial form and the stop form. A refused form is shown again with its values and each problem next
to its field; nothing is saved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError, NotFound
from painpath.core.validation import DbId
from painpath.medications import service
from painpath.medications.schemas import REASON_WORDS, ROUTE_WORDS, StopIn, TrialIn
from painpath.medications.timeline import describe, dose_words
from painpath.medications import trial_plan_form, trial_plan_service
from painpath.medications.plan_schemas import TrialPlanIn
from painpath.patients import pages as patient_pages
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, validation_problems

router = APIRouter()

TRIAL_LABELS = {
    "drug_name": "Drug", "dose_mg": "Dose each time (mg)", "times_per_day": "Times a day", "daily_mg": "Total per day (mg)",
    "route": "Route", "start_date": "Started on", "stop_date": "Last day taken", "reason_stopped": "Why it stopped",
    "response": "Response", "relief_percent": "Relief (%)",
}
STOP_LABELS = {"stop_date": "Last day taken", "reason_stopped": "Why it stopped", "response": "Response", "relief_percent": "Relief (%)"}
LABEL_WORDS = {
    "adequate": "Adequate trial",
    "inadequate": "Not an adequate trial",
    "not_tolerated": "Not tolerated",
    "in_progress": "In progress",
    "unknown_drug": "Unknown drug, not assessed",
}
FREQUENCIES = [("1", "Once a day"), ("2", "Twice a day"), ("3", "Three times a day"), ("4", "Four times a day"), ("6", "Six times a day")]


def _bars(found: list[service.AssessedTrial], today: date) -> dict[str, Any]:
    """Where each trial's bar sits on one shared scale, from the first start to today (or the last stop)."""
    if not found:
        return {"rows": {}, "first": None, "last": None}
    first = min(f.trial.start_date for f in found)
    last = max([today, *(f.trial.stop_date for f in found if f.trial.stop_date is not None)])
    span = (last - first).days + 1
    rows = {}
    for f in found:
        end = f.trial.stop_date or max(today, f.trial.start_date)
        left = (f.trial.start_date - first).days / span * 100
        width = max(((end - f.trial.start_date).days + 1) / span * 100, 1.0)
        rows[f.trial.id] = {"left": round(left, 2), "width": round(min(width, 100 - left), 2), "end": end}
    return {"rows": rows, "first": first, "last": last}


@patient_pages.episode_panel
def _trials_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    trials = service.pack(asked.ctx.knowledge)
    found = service.trials_for(asked.session, actor=asked.caller.actor, knowledge_trials=trials, calendar=asked.ctx.calendar,
                               patient=asked.patient, episode=asked.episode)
    today = service.today(asked.ctx.calendar)
    state = asked.state.get("medication_trials", {})
    problems = state.get("problems", [])
    payer_id = found[0].payer_id if found else None
    payers = asked.ctx.knowledge.payers
    context = {
        "trials": found, "today": today, "bars": _bars(found, today), "label_words": LABEL_WORDS, "reason_words": REASON_WORDS,
        "route_words": ROUTE_WORDS, "describe": describe, "dose_words": dose_words,
        "payer_name": (payers[payer_id].name if payer_id in payers else payer_id) if payer_id else None,
        "form": state.get("form", {}), "which": state.get("which"), "problems": problems, "errors": errors_by_field(problems),
        "labels": TRIAL_LABELS, "stop_labels": STOP_LABELS, "frequencies": FREQUENCIES,
        "reasons": list(REASON_WORDS.items()), "routes": list(ROUTE_WORDS.items()),
        "known_drugs": sorted(d.name for d in trials.drugs.values()),
        "plan_labels": trial_plan_form.PLAN_LABELS,
        "plannable_drugs": sorted(d.name for d in trials.drugs.values() if d.titration is not None),
        "plans": _plans(asked), "kind_words": PLAN_ITEM_WORDS,
    }
    return [patient_pages.EpisodePanel("medications/episode_trials.html", context, slot="main")]


PLAN_ITEM_WORDS = {"titration": "Dose step", "check": "Check", "evaluation": "Review"}


def _plans(asked: patient_pages.PanelRequest) -> dict[int, dict[str, Any]]:
    """Each planned trial's dated items (steps, checks, the review), keyed by the trial they plan."""
    plans = trial_plan_service.plans_for_episode(asked.session, actor=asked.caller.actor, episode_id=asked.episode.id)
    return {p.trial_id: {"plan": p, "items": trial_plan_service.plan_items(asked.session, p.id)} for p in plans}


def _values(form: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    return {name: form.get(name) or None for name in names}


def refuse_form(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: DbId, which: str,
                form: dict[str, str], exc: Exception, relabel=None) -> Response:  # noqa: ANN001
    """The episode page again with the refused form open, its values, and each problem by its field."""
    session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    if isinstance(exc, ValidationError):
        problems, status = validation_problems(exc), 422
    else:
        assert isinstance(exc, DomainError)
        problems, status = exc.problems, exc.status_code
    if relabel is not None:
        problems = relabel(problems)
    state = {"medication_trials": {"form": form, "which": which, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)


@router.post("/episodes/{episode_id}/medication-trials")
def add_trial(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    try:
        data = TrialIn.model_validate(_values(form, TRIAL_LABELS))
        trial = service.record_trial(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge), calendar=ctx.calendar,
                                     episode_id=episode_id, data=data)
    except (ValidationError, DomainError) as exc:
        return refuse_form(request, ctx, session, caller, episode_id, "add", form, exc)
    return RedirectResponse(f"/episodes/{episode_id}#trial-{trial.id}", status_code=303)


@router.post("/medication-trials/{trial_id}/stop")
def stop_trial(trial_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    episode_id = service.get_trial(session, clinic_id=caller.user.clinic_id, trial_id=trial_id).episode_id
    try:
        data = StopIn.model_validate({**_values(form, STOP_LABELS), "version": form.get("version") or None})
        service.stop_trial(session, actor=caller.actor, calendar=ctx.calendar, trial_id=trial_id, data=data)
    except (ValidationError, DomainError) as exc:
        return refuse_form(request, ctx, session, caller, episode_id, f"stop-{trial_id}", form, exc)
    return RedirectResponse(f"/episodes/{episode_id}#trial-{trial_id}", status_code=303)


@router.post("/episodes/{episode_id}/medication-trials/plan")
def plan_trial(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> Response:
    try:
        data = TrialPlanIn.model_validate(trial_plan_form.plan_input(form))
        plan = trial_plan_service.start_planned_trial(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge),
                                                      calendar=ctx.calendar, episode_id=episode_id, data=data)
    except (ValidationError, DomainError) as exc:
        return refuse_form(request, ctx, session, caller, episode_id, trial_plan_form.WHICH, form, exc,
                           relabel=trial_plan_form.form_problems)
    return RedirectResponse(f"/episodes/{episode_id}#trial-{plan.trial_id}", status_code=303)


from painpath.medications.safety_pages import router as _safety_router  # noqa: E402 - prescriptions, opioid safety, taper panels

router.include_router(_safety_router)
from painpath.medications.taper_pages import router as _taper_router  # noqa: E402 - start a taper, steps and plan items done

router.include_router(_taper_router)
from painpath.medications.other_pages import router as _other_router  # noqa: E402 - other medications (issue 13 item 2)

router.include_router(_other_router)
