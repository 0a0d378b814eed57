"""JSON API for care plans: start one from a pathway, read it with the current step's evaluation and the
next step's authorization readiness, confirm a step's outcome, pivot. Each write reconciles the episode
so the worklist follows at once (a pivot's cancellations close the abandoned work with its reason)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timezone
from typing import Annotated

from fastapi import APIRouter, Response

from painpath.authorizations import lifecycle
from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.plans import decisions, order_steps, patient_plan, rules, service, support_views
from painpath.plans.schemas import ConfirmIn, DecisionIn, PivotIn, PlanStartIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["plans"])


def _step_out(row) -> dict:  # noqa: ANN001
    return {name: getattr(row, name) for name in (
        "id", "step_id", "status", "started_on", "trial_ends_on", "outcome_note", "decided_by_id", "decided_at",
        "authorization_case_id", "version")}


def _authorization_out(evaluated) -> dict | None:  # noqa: ANN001
    if evaluated is None:
        return None
    case = evaluated.case
    ready, items = evaluated.kit_progress
    decision = evaluated.decision
    return {
        "case_id": case.id, "procedure_id": case.procedure_id, "state": case.state, "state_words": lifecycle.STATE_WORDS[case.state],
        "kit": {"ready": ready, "items": items},
        "outcome": decision.outcome if decision else None, "eligible_on": decision.eligible_on if decision else None,
        "summary": decision.summary if decision else None,
    }


def plan_out(view: service.PlanView, knowledge) -> dict:  # noqa: ANN001
    plan, pathway, current = view.plan, view.pathway, view.current
    out = {
        "id": plan.id, "episode_id": plan.episode_id, "pathway_id": plan.pathway_id, "pathway_name": pathway.name,
        "pack_version": plan.pack_version, "goals": plan.goals, "status": plan.status, "started_on": plan.started_on,
        "created_by_id": plan.created_by_id, "ended_on": plan.ended_on, "end_reason": plan.end_reason,
        "pivoted_to_id": plan.pivoted_to_id, "version": plan.version,
        "steps": [{**_step_out(s), "name": pathway.step(s.step_id).name} for s in view.steps],
        "current_step": None, "evaluation": None, "proposal": None, "next_step": None, "authorization": _authorization_out(view.authorization),
    }
    if current is None:
        return out
    step = current.step
    out["current_step"] = {
        **_step_out(current.row), "name": step.name, "kind": step.kind, "what": step.what, "procedure_id": step.procedure_id,
        "pt_protocol_id": step.pt_protocol_id, "success_words": step.success.words if step.success else None,
        # Why these exercises, as the patient's plan prints them (empty when the step names no PT protocol).
        "why_exercises": [{"focus": r.focus, "why": r.why} for r in getattr(patient_plan.step_protocol(knowledge, step), "emphases", ())],
        "entry": {"met": current.entry.met, "words": current.entry.words, "explanation": current.entry.explanation,
                  "conditions": [asdict(r) for r in current.entry.results]},
        "on_success": {"id": step.on_success, "name": rules.next_step_name(pathway, step.on_success)},
        "on_failure": {"id": step.on_failure, "name": rules.next_step_name(pathway, step.on_failure)},
        # The order or referral the step opens (None: it opens none), as the care plan panel shows it.
        "opens": order_steps.summary(current.loop) if current.loop is not None else None,
    }
    evaluation = current.evaluation
    out["evaluation"] = {
        "status": evaluation.status, "combine": evaluation.combine, "trial_over": evaluation.trial_over,
        "explanation": evaluation.explanation, "missing": list(evaluation.missing),
        "measures": [asdict(r) for r in evaluation.results],
    }
    out["proposal"] = asdict(current.proposal)
    if current.proposal.next_step is not None:
        out["next_step"] = {"id": current.proposal.next_step, "name": current.proposal.next_step_name}
    return out


def _answer(ctx: AppCtx, session: DbSession, plan) -> dict:  # noqa: ANN001
    ctx.reconcile(session, [plan.episode_id])
    return plan_out(service.view_of(session, knowledge=ctx.knowledge, calendar=ctx.calendar, plan=plan), ctx.knowledge)


@router.post("/episodes/{episode_id}/plans", status_code=201)
def start_plan(episode_id: DbId, data: PlanStartIn, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> dict:
    plan = service.start_plan(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return _answer(ctx, session, plan)


@router.get("/episodes/{episode_id}/plan")
def read_plan(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict | None:
    view = service.read_plan(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return plan_out(view, ctx.knowledge) if view is not None else None


@router.post("/plan-steps/{step_id}/confirm")
def confirm(step_id: DbId, data: ConfirmIn, ctx: AppCtx, session: DbSession,
            caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> dict:
    plan = service.confirm(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, step_row_id=step_id, data=data)
    return _answer(ctx, session, plan)


@router.post("/plans/{plan_id}/pivot")
def pivot(plan_id: DbId, data: PivotIn, ctx: AppCtx, session: DbSession,
          caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> dict:
    plan = service.pivot(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, plan_id=plan_id, data=data)
    return _answer(ctx, session, plan)


# Shared decisions ---------------------------------------------------------------------------------------

def decision_out(view: decisions.DecisionView) -> dict:
    row = view.row
    return {
        "id": row.id, "episode_id": row.episode_id, "pathway_id": row.pathway_id, "step_id": row.step_id, "question": view.decision.question,
        "pack_version": row.pack_version, "options_discussed": list(row.options_discussed or []),
        "risks_discussed": dict(row.risks_discussed or {}), "patient_questions": row.patient_questions, "choice": row.choice,
        "discussed_on": row.discussed_on, "recorded_by_id": row.recorded_by_id, "recorded_at": row.recorded_at.replace(tzinfo=timezone.utc), "version": row.version,
    }


@router.post("/episodes/{episode_id}/shared-decisions", status_code=201)
def record_decision(episode_id: DbId, data: DecisionIn, ctx: AppCtx, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.PLAN_WRITE)]) -> dict:
    row = decisions.record_decision(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id,
                                    data=data)
    ctx.reconcile(session, [row.episode_id])
    (view,) = decisions.views_of(ctx.knowledge, [row])
    return decision_out(view)


@router.get("/episodes/{episode_id}/shared-decisions")
def list_decisions(episode_id: DbId, ctx: AppCtx, session: DbSession,
                   caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[dict]:
    return [decision_out(v) for v in decisions.list_decisions(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id)]


# The patient's plan (PDF) and calendar (.ics) -----------------------------------------------------------
# Files a person downloads from the episode page, so they live beside the pages (/episodes/...), not under
# /api: a signed-out click goes to the login page and an error shows as a page. The app mounts only this
# module's `router` (prefixed /api), so these routes are made on their own router and handed over as they are.
# Filenames name the episode, never the patient: downloads land in shared folders and mail attachments.
downloads = APIRouter(tags=["plans"])


@downloads.get("/episodes/{episode_id}/plan.pdf")
def patient_plan_pdf(episode_id: DbId, ctx: AppCtx, session: DbSession,
                     caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    pdf = patient_plan.patient_plan_pdf(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    headers = {"Content-Disposition": f'inline; filename="care-plan-episode-{episode_id}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


@downloads.get("/episodes/{episode_id}/plan.ics")
def patient_plan_calendar(episode_id: DbId, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    ics = patient_plan.plan_calendar_ics(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    headers = {"Content-Disposition": f'attachment; filename="care-plan-episode-{episode_id}.ics"', "Cache-Control": "no-store"}
    return Response(ics, media_type="text/calendar; charset=utf-8", headers=headers)


router.routes.extend(downloads.routes)  # already complete paths: no /api prefix is added to them
router.routes.extend(support_views.router.routes)  # support strategies on the plan (plans/support_views.py)
