"""JSON API for medication trials: record, list (each with its computed assessment), correct, stop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.medications import service
from painpath.medications.schemas import AssessmentOut, StopIn, TargetOut, TrialIn, TrialOut, TrialUpdate
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
def record_trial(episode_id: int, data: TrialIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trials = service.pack(ctx.knowledge)
    trial = service.record_trial(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial=trial))


@router.get("/episodes/{episode_id}/medication-trials", response_model=list[TrialOut])
def list_trials(episode_id: int, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[TrialOut]:
    found = service.list_trials(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge), calendar=ctx.calendar, episode_id=episode_id)
    return [trial_out(f) for f in found]


@router.put("/medication-trials/{trial_id}", response_model=TrialOut)
def update_trial(trial_id: int, data: TrialUpdate, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trials = service.pack(ctx.knowledge)
    trial = service.update_trial(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial_id=trial_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=trials, calendar=ctx.calendar, trial=trial))


@router.post("/medication-trials/{trial_id}/stop", response_model=TrialOut)
def stop_trial(trial_id: int, data: StopIn, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TrialOut:
    trial = service.stop_trial(session, actor=caller.actor, calendar=ctx.calendar, trial_id=trial_id, data=data)
    return trial_out(service.assessed_one(session, actor=caller.actor, knowledge_trials=service.pack(ctx.knowledge), calendar=ctx.calendar, trial=trial))
