"""The episode page's "Care plan" panel: build a plan from a pathway, follow its current step (what is
done, the trial's dates, its success measures so far), confirm the proposal when the trial ends, see the
next step's authorization readiness, and pivot to another pathway.

Pages call the same service as the JSON API. A refused form is shown again on the episode page (422, or
the service's status) with its values kept and each problem next to its field; nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from painpath.authorizations import pages as authorization_pages
from painpath.context import AppContext
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, NotFound
from painpath.core.validation import DbId
from painpath.knowledge.schemas.pathways import TERMINAL_NEXT, FunctionalMeasure, Pathway
from painpath.patients import pages as patient_pages
from painpath.patients.models import Episode
from painpath.plans import order_steps, patient_plan, rules, service
from painpath.plans.models import CarePlan, PlanStep
from painpath.plans.schemas import ConfirmIn, PivotIn, PlanStartIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, errors_by_field, validation_problems

router = APIRouter()

STATE_KEY = "care_plan"
GOAL_ROWS = 3  # goal lines on the build form; a plan rarely needs more, and the API takes up to 12
START_LABELS = {
    "pathway_id": "Pathway", "first_step_id": "Start at step", "cpt_codes": "CPT codes", "side": "Side", "levels": "Levels",
    "place_of_service": "Place of service",
    **{f"goal_{part}_{n}": f"Goal {n} {words}" for n in range(1, GOAL_ROWS + 1)
       for part, words in (("text", "in words"), ("measure", "measure"), ("target", "target"))},
}
CONFIRM_LABELS = {"outcome": "Outcome", "note": "Outcome note", "version": "Version"}
PIVOT_LABELS = {"pathway_id": "New pathway", "reason": "Why change pathway", "version": "Version"}
MEASURE_STATUS_WORDS = {"met": "Met", "not_met": "Not met", "not_measurable": "Not measurable yet"}
STEP_STATUS_WORDS = {"active": "Under way", "succeeded": "Succeeded", "failed": "Did not work", "abandoned": "Abandoned"}
PLAN_STATUS_WORDS = {"active": "Active", "pivoted": "Changed pathway", "completed": "Completed"}
PROCEDURE_FIELDS = ("cpt_codes", "side", "levels", "place_of_service")


# Choices ---------------------------------------------------------------------------------------

def pathway_groups(knowledge: Any, episode: Episode) -> list[tuple[str, list[tuple[str, str]]]]:  # noqa: ANN401
    """The pathways for the episode's body region first, then all the others (each group by name); in the
    region's group, those for the episode's diagnosis come first (CRPS of a leg before CRPS of an arm)."""
    codes = list(episode.icd10_codes or [])
    ordered = sorted(knowledge.pathways.values(), key=lambda p: (not p.applies_to.fits(region=episode.body_region, icd10_codes=codes), p.name))
    fits = [(p.id, p.name) for p in ordered if episode.body_region in p.applies_to.body_regions]
    others = [(p.id, p.name) for p in ordered if episode.body_region not in p.applies_to.body_regions]
    region = episode.body_region.replace("_", " ")
    groups = []
    if fits:
        groups.append((f"For the {region} region", fits))
    if others:
        groups.append(("Other pathways" if fits else "All pathways", others))
    return groups


def _measure_choices(knowledge: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    """What a goal can be read on: the functional measures recorded at visits, and the instruments."""
    functional = [(m, rules.MEASURE_WORDS.get(m, (m.replace("_", " ").capitalize(), ""))[0]) for m in FunctionalMeasure.__args__]
    instruments = sorted(((i.id, i.name) for i in knowledge.instruments.values()), key=lambda pair: pair[1])
    return functional + instruments


def _step_choices(knowledge: Any) -> list[tuple[str, list[tuple[str, str]]]]:  # noqa: ANN401
    """Each pathway's steps (by pathway name), to start a plan part-way through."""
    return [(p.name, [(s.id, s.name) for s in p.steps]) for p in sorted(knowledge.pathways.values(), key=lambda p: p.name)]


# Reading ---------------------------------------------------------------------------------------

def _latest_plan(session: Any, episode_id: DbId) -> CarePlan | None:  # noqa: ANN401
    """The active plan, else the latest one (pivoted or completed), as the API's read does."""
    return service.active_plan(session, episode_id=episode_id) or session.scalars(
        select(CarePlan).where(CarePlan.episode_id == episode_id).order_by(CarePlan.id.desc())).first()


def _trial_words(row: PlanStep, today: date) -> dict[str, Any]:
    """Day N of M of the step's trial (M: the trial's length in days)."""
    if row.trial_ends_on is None:
        return {"day": (today - row.started_on).days + 1, "of": None, "over": False}
    length = (row.trial_ends_on - row.started_on).days
    day = (today - row.started_on).days + 1
    return {"day": min(day, length), "of": length, "over": today >= row.trial_ends_on}


def _next_steps(pathway: Pathway, current: service.StepView) -> list[dict[str, str]]:
    """Where the step leads on success and on failure (the proposal's own pick marked)."""
    step, proposed = current.step, current.proposal.next_step
    found = []
    for when, target in (("If it works", step.on_success), ("If it does not", step.on_failure)):
        found.append({"when": when, "id": target, "name": rules.next_step_name(pathway, target), "proposed": target == proposed,
                      "terminal": target in TERMINAL_NEXT})
    return found


def _authorization_line(ctx: AppContext, evaluated: Any, today: date) -> dict[str, Any] | None:  # noqa: ANN401
    """The authorizations slice's own line for the case prepared for the step ahead."""
    if evaluated is None:
        return None
    words = authorization_pages.Words(ctx.knowledge, ctx.calendar, today)
    return {"case_id": evaluated.case.id, "procedure": words.procedure(evaluated.case),
            "words": authorization_pages.waits_for(evaluated, words, with_payer=True)}


def _order_line(current: service.StepView | None) -> dict[str, Any] | None:
    """For a step that opens an order or referral: its state in words with a link to its page, or the
    prefilled form when none is under way."""
    return order_steps.summary(current.loop) if current is not None and current.loop is not None else None


def _plan_context(ctx: AppContext, session: Any, plan: CarePlan, today: date) -> dict[str, Any]:  # noqa: ANN401
    view = service.view_of(session, knowledge=ctx.knowledge, calendar=ctx.calendar, plan=plan)
    current = view.current
    found = patient_plan.step_protocol(ctx.knowledge, current.step if current is not None else None)
    protocol = found.name if found else None
    return {
        "view": view, "current": current, "trial": _trial_words(current.row, today) if current else None,
        "order_line": _order_line(current),
        "next_steps": _next_steps(view.pathway, current) if current else [],
        "authorization_line": _authorization_line(ctx, view.authorization, today), "protocol_name": protocol,
        "protocol_reasons": found.emphases if found else (),
        "step_names": {s.id: s.name for s in view.pathway.steps},
        "outcome_choices": ([("succeeded", f"Succeeded: next, {rules.next_step_name(view.pathway, current.step.on_success).lower()}"),
                             ("failed", f"Did not work: next, {rules.next_step_name(view.pathway, current.step.on_failure).lower()}")]
                            if current else []),
    }


@patient_pages.episode_panel
def _care_plan_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    ctx, session, episode = asked.ctx, asked.session, asked.episode
    today = ctx.calendar.local_date(utcnow())
    plan = _latest_plan(session, episode.id)
    state = asked.state.get(STATE_KEY, {})
    problems = state.get("problems", [])
    context: dict[str, Any] = {
        "plan": plan, "today": today, "form": state.get("form", {}), "which": state.get("which"), "problems": problems,
        "errors": errors_by_field(problems), "start_labels": START_LABELS, "confirm_labels": CONFIRM_LABELS,
        "pivot_labels": PIVOT_LABELS, "pathway_groups": pathway_groups(ctx.knowledge, episode),
        "steps_by_pathway": _step_choices(ctx.knowledge), "measures": _measure_choices(ctx.knowledge), "goal_rows": GOAL_ROWS,
        "sides": authorization_pages.SIDES, "places": authorization_pages.PLACES, "measure_status_words": MEASURE_STATUS_WORDS,
        "step_status_words": STEP_STATUS_WORDS, "plan_status_words": PLAN_STATUS_WORDS, "can_write": asked.caller.can(Permission.PLAN_WRITE),
        "can_order": asked.caller.can(Permission.ORDER_PLACE),
        "default_side": episode.laterality if episode.laterality in service.SIDES else "none",
    }
    if plan is not None:
        context.update(_plan_context(ctx, session, plan, today))
    return [patient_pages.EpisodePanel("plans/episode_plan.html", context, slot="main")]


# Reading the forms -----------------------------------------------------------------------------

def _codes(raw: str | None) -> list[str]:
    return [code.strip() for code in (raw or "").replace(";", ",").split(",") if code.strip()]


def _goals(form: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[int, int], list[FieldProblem]]:
    """The goal lines filled in, where each came from (for placing problems) and what is wrong with them."""
    goals, rows, problems = [], {}, []
    for n in range(1, GOAL_ROWS + 1):
        text, measure, target = (form.get(f"goal_{part}_{n}") or "" for part in ("text", "measure", "target"))
        if not (text or measure or target):
            continue
        if not text:
            problems.append(FieldProblem(f"goal_text_{n}", "required", "Say the goal in words (the measure and target are optional)"))
            continue
        rows[len(goals)] = n
        goals.append({"text": text, "measure": measure or None, "target": target or None})
    return goals, rows, problems


def _procedure(form: Mapping[str, str]) -> dict[str, Any] | None:
    """How to request the procedure ahead; None when left empty (the service then uses its defaults)."""
    if not any(form.get(name) for name in ("cpt_codes", "levels")) and form.get("side") in (None, "") and \
            form.get("place_of_service") in (None, "", "11"):
        return None
    detail: dict[str, Any] = {"cpt_codes": _codes(form.get("cpt_codes")), "levels": _codes(form.get("levels"))}
    if form.get("side"):
        detail["side"] = form["side"]
    if form.get("place_of_service"):
        detail["place_of_service"] = form["place_of_service"]
    return detail


def _form_problems(exc: ValidationError, goal_rows: Mapping[int, int]) -> list[FieldProblem]:
    """Pydantic's problems named by the form's fields: goals.1.target -> goal_target_2, procedure.levels -> levels."""
    named = []
    for problem in validation_problems(exc):
        parts = problem.field.split(".")
        if parts[0] == "goals" and len(parts) >= 3 and parts[1].isdigit():
            field = f"goal_{parts[2]}_{goal_rows.get(int(parts[1]), int(parts[1]) + 1)}"
        elif parts[0] == "procedure" and len(parts) >= 2:
            field = parts[1]
        else:
            field = parts[0]
        named.append(FieldProblem(field, problem.rule, problem.message))
    return named


def _refused(request: Request, ctx: AppCtx, session: DbSession, caller: Caller, episode_id: DbId, which: str,
             form: Mapping[str, str], problems: list[FieldProblem], status: int) -> Response:
    session.rollback()
    state = {STATE_KEY: {"form": dict(form), "which": which, "problems": problems}}
    return patient_pages.render_episode_page(request, ctx, session, caller, episode_id, state=state, status_code=status)


def _domain_refusal(exc: DomainError) -> tuple[list[FieldProblem], int]:
    if isinstance(exc, NotFound):
        raise exc
    return exc.problems, exc.status_code


# Routes ----------------------------------------------------------------------------------------

@router.post("/episodes/{episode_id}/plans")
def start_plan_form(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    goals, goal_rows, problems = _goals(form)
    values = {"pathway_id": form.get("pathway_id") or "", "goals": goals, "first_step_id": form.get("first_step_id") or None,
              "procedure": _procedure(form)}
    try:
        data = PlanStartIn.model_validate(values)
    except ValidationError as exc:
        return _refused(request, ctx, session, caller, episode_id, "start", form, problems + _form_problems(exc, goal_rows), 422)
    if problems:
        return _refused(request, ctx, session, caller, episode_id, "start", form, problems, 422)
    try:
        plan = service.start_plan(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar,
                                  episode_id=episode_id, data=data)
        ctx.reconcile(session, [episode_id])
    except DomainError as exc:
        session.rollback()
        found, status = _domain_refusal(exc)
        return _refused(request, ctx, session, caller, episode_id, "start", form, found, status)
    return RedirectResponse(f"/episodes/{plan.episode_id}#care-plan", status_code=303)


def _step_row(session: DbSession, caller: Caller, step_row_id: DbId) -> PlanStep:
    row = session.get(PlanStep, step_row_id)
    if row is None or row.clinic_id != caller.user.clinic_id:
        raise NotFound("plan step", step_row_id)
    return row


@router.post("/plan-steps/{step_row_id}/confirm")
def confirm_form(step_row_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    episode_id = _step_row(session, caller, step_row_id).episode_id
    try:
        data = ConfirmIn.model_validate({"version": form.get("version") or None, "outcome": form.get("outcome") or None,
                                         "note": form.get("note") or None})
        service.confirm(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, step_row_id=step_row_id, data=data)
        ctx.reconcile(session, [episode_id])
    except ValidationError as exc:
        return _refused(request, ctx, session, caller, episode_id, "confirm", form, _form_problems(exc, {}), 422)
    except DomainError as exc:
        session.rollback()
        found, status = _domain_refusal(exc)
        return _refused(request, ctx, session, caller, episode_id, "confirm", form, found, status)
    return RedirectResponse(f"/episodes/{episode_id}#care-plan", status_code=303)


@router.post("/plans/{plan_id}/pivot")
def pivot_form(plan_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
               caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> Response:
    plan = session.get(CarePlan, plan_id)
    if plan is None or plan.clinic_id != caller.user.clinic_id:
        raise NotFound("care plan", plan_id)
    episode_id = plan.episode_id
    # The goals are the patient's, not the pathway's: they carry over to the new plan.
    values = {"version": form.get("version") or None, "pathway_id": form.get("pathway_id") or "",
              "reason": form.get("reason") or "", "goals": list(plan.goals or [])}
    try:
        data = PivotIn.model_validate(values)
        service.pivot(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, plan_id=plan_id, data=data)
        ctx.reconcile(session, [episode_id])
    except ValidationError as exc:
        return _refused(request, ctx, session, caller, episode_id, "pivot", form, _form_problems(exc, {}), 422)
    except DomainError as exc:
        session.rollback()
        found, status = _domain_refusal(exc)
        return _refused(request, ctx, session, caller, episode_id, "pivot", form, found, status)
    return RedirectResponse(f"/episodes/{episode_id}#care-plan", status_code=303)
