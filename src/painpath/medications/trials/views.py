"""JSON API for medication trials: record, list (each with its computed assessment), correct, stop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.medications.trials import service
from painpath.medications.trials.schemas import AssessmentOut, StopIn, TargetOut, TrialIn, TrialOut, TrialUpdate
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["medications"])


def trial_out(found: service.AssessedTrial) -> TrialOut:
    a = found.assessment
    target = None
    if a.target is not None:
        t = a.target
        target = TargetOut(drug_id=t.drug_id, min_daily_mg=t.min_daily_mg, min_days=t.min_days, dose_rule=t.dose_rule, sources=list(t.sources))
    assessment = AssessmentOut(
        label=a.label, reasons=list(a.reasons), daily_mg=a.daily_mg, days=a.days, target=target, payer_id=found.payer_id,
        payer_reasons=list(a.payer_reasons), meets_payer_rule=a.meets_payer_rule, as_of=found.as_of,
    )
    return TrialOut.model_validate(found.trial).model_copy(update={"assessment": assessment})


@router.post("/episodes/{episode_id}/medication-trials", response_model=TrialOut, status_code=201)
def record_trial(episode_id: DbId, data: TrialIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trials = service.pack(ctx.knowledge)
    trial = service.record_trial(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial=trial))


@router.get("/episodes/{episode_id}/medication-trials", response_model=list[TrialOut])
def list_trials(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[TrialOut]:
    found = service.list_trials(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge), calendar=ctx.calendar, episode_id=episode_id)
    return [trial_out(f) for f in found]


@router.put("/medication-trials/{trial_id}", response_model=TrialOut)
def update_trial(trial_id: DbId, data: TrialUpdate, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trials = service.pack(ctx.knowledge)
    trial = service.update_trial(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial_id=trial_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial=trial))


@router.post("/medication-trials/{trial_id}/stop", response_model=TrialOut)
def stop_trial(trial_id: DbId, data: StopIn, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trial = service.stop_trial(session, actor=caller.actor, calendar=ctx.calendar, trial_id=trial_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge), calendar=ctx.calendar, trial=trial))


# ---- Planned trials (target, titration, one at a time) (issue 7 item 1) ----------------------------------
from painpath.medications.shared import DoneIn  # noqa: E402
from painpath.medications.trials import plan_service as trial_plan_service  # noqa: E402
from painpath.medications.trials.schemas import PlanItemOut, TrialPlanIn, TrialPlanOut  # noqa: E402


def trial_plan_out(session, plan) -> TrialPlanOut:  # noqa: ANN001
    items = [PlanItemOut.model_validate(i) for i in trial_plan_service.plan_items(session, plan.id)]
    return TrialPlanOut.model_validate(plan).model_copy(update={"items": items})


@router.post("/episodes/{episode_id}/medication-trials/plan", response_model=TrialPlanOut, status_code=201)
def start_planned_trial(episode_id: DbId, data: TrialPlanIn, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialPlanOut:
    plan = trial_plan_service.start_planned_trial(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge),
                                                  calendar=ctx.calendar, episode_id=episode_id, data=data)
    return trial_plan_out(session, plan)


@router.get("/episodes/{episode_id}/medication-trial-plans", response_model=list[TrialPlanOut])
def list_trial_plans(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[TrialPlanOut]:
    return [trial_plan_out(session, p) for p in trial_plan_service.plans_for_episode(session, actor=caller.actor, episode_id=episode_id)]


@router.post("/trial-plan-items/{item_id}/done", response_model=PlanItemOut)
def trial_plan_item_done(item_id: DbId, data: DoneIn, session: DbSession,
                         caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PlanItemOut:
    return PlanItemOut.model_validate(trial_plan_service.mark_item_done(session, actor=caller.actor, item_id=item_id, data=data))
