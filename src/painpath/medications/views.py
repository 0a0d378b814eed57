"""JSON API for medication trials: record, list (each with its computed assessment), correct, stop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
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


# ---- Prescriptions and opioid safety (issue 7 items 3 and 5) ------------------------------------------
# MME per line and in total are computed on every read; recording a fact reconciles the episode's
# obligations in the same transaction (web/deps.py), so the answer and the worklist agree.
from painpath.medications import prescriptions as rx_service  # noqa: E402
from painpath.medications import safety_api, safety_service  # noqa: E402
from painpath.medications.safety_schemas import (  # noqa: E402
    AgreementIn, AgreementOut, DrugTestIn, DrugTestOut, NaloxoneOfferIn, NaloxoneOfferOut, PdmpCheckIn, PdmpCheckOut,
    PrescriptionIn, PrescriptionListOut, PrescriptionOut, PrescriptionStop, SafetySummaryOut,
)


def _prescription_line(session, ctx, rx) -> PrescriptionOut:  # noqa: ANN001
    listed = rx_service.lines_for([rx], ctx.knowledge, rx_service.calendar_today(ctx.calendar))
    return safety_api.prescription_out(listed.lines[0])


@router.post("/episodes/{episode_id}/prescriptions", response_model=PrescriptionOut, status_code=201)
def record_prescription(episode_id: DbId, data: PrescriptionIn, ctx: AppCtx, session: DbSession,
                        caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PrescriptionOut:
    rx = rx_service.record_prescription(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
    return _prescription_line(session, ctx, rx)


@router.get("/episodes/{episode_id}/prescriptions", response_model=PrescriptionListOut)
def list_prescriptions(episode_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> PrescriptionListOut:
    listed = rx_service.list_prescriptions(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return safety_api.list_out(listed)


@router.post("/prescriptions/{prescription_id}/stop", response_model=PrescriptionOut)
def stop_prescription(prescription_id: DbId, data: PrescriptionStop, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PrescriptionOut:
    rx = rx_service.stop_prescription(session, actor=caller.actor, prescription_id=prescription_id, data=data)
    return _prescription_line(session, ctx, rx)


@router.post("/episodes/{episode_id}/opioid-agreements", response_model=AgreementOut, status_code=201)
def record_opioid_agreement(episode_id: DbId, data: AgreementIn, ctx: AppCtx, session: DbSession,
                            caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> AgreementOut:
    row = safety_service.record_agreement(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    policy = safety_service.policy(ctx.knowledge)
    return safety_api.agreement_out(row, policy.agreement_renewal_months if policy else None)


@router.post("/episodes/{episode_id}/pdmp-checks", response_model=PdmpCheckOut, status_code=201)
def record_pdmp_check(episode_id: DbId, data: PdmpCheckIn, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> PdmpCheckOut:
    row = safety_service.record_pdmp_check(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return PdmpCheckOut.model_validate(row)


@router.post("/episodes/{episode_id}/urine-drug-tests", response_model=DrugTestOut, status_code=201)
def record_urine_drug_test(episode_id: DbId, data: DrugTestIn, ctx: AppCtx, session: DbSession,
                           caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> DrugTestOut:
    row = safety_service.record_drug_test(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return DrugTestOut.model_validate(row)


@router.post("/episodes/{episode_id}/naloxone-offers", response_model=NaloxoneOfferOut, status_code=201)
def record_naloxone_offer(episode_id: DbId, data: NaloxoneOfferIn, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> NaloxoneOfferOut:
    row = safety_service.record_naloxone_offer(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return NaloxoneOfferOut.model_validate(row)


@router.get("/episodes/{episode_id}/opioid-safety", response_model=SafetySummaryOut | None)
def opioid_safety(episode_id: DbId, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> SafetySummaryOut | None:
    found, facts = safety_service.episode_safety(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return safety_api.summary_out(found, facts) if found is not None else None


# ---- Planned trials (target, titration, one at a time) and opioid tapers (issue 7 items 1 and 4) ------
from fastapi import Response  # noqa: E402

from painpath.medications import taper as taper_rules  # noqa: E402
from painpath.medications import taper_service, trial_plan_service  # noqa: E402
from painpath.medications.plan_schemas import (  # noqa: E402
    DoneIn, PauseIn, PlanItemOut, ResumeIn, TaperIn, TaperOut, TaperStepOut, TrialPlanIn, TrialPlanOut,
)


def trial_plan_out(session, plan) -> TrialPlanOut:  # noqa: ANN001
    items = [PlanItemOut.model_validate(i) for i in trial_plan_service.plan_items(session, plan.id)]
    return TrialPlanOut.model_validate(plan).model_copy(update={"items": items})


def taper_out(session, plan) -> TaperOut:  # noqa: ANN001
    steps = [TaperStepOut.model_validate(s) for s in taper_service.steps_of(session, plan.id)]
    return TaperOut.model_validate(plan).model_copy(update={"steps": steps, "naloxone_prompt": taper_rules.NALOXONE_PROMPT})


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


@router.post("/episodes/{episode_id}/tapers", response_model=TaperOut, status_code=201)
def create_taper(episode_id: DbId, data: TaperIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    plan = taper_service.create_taper(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id, data=data)
    return taper_out(session, plan)


@router.get("/episodes/{episode_id}/tapers", response_model=list[TaperOut])
def list_tapers(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[TaperOut]:
    return [taper_out(session, p) for p in taper_service.tapers_for_episode(session, actor=caller.actor, episode_id=episode_id)]


@router.get("/tapers/{taper_id}", response_model=TaperOut)
def read_taper(taper_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> TaperOut:
    return taper_out(session, taper_service.get_taper(session, actor=caller.actor, taper_id=taper_id))


@router.post("/tapers/{taper_id}/pause", response_model=TaperOut)
def pause_taper(taper_id: DbId, data: PauseIn, ctx: AppCtx, session: DbSession,
                caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    return taper_out(session, taper_service.pause_taper(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id, data=data))


@router.post("/tapers/{taper_id}/resume", response_model=TaperOut)
def resume_taper(taper_id: DbId, data: ResumeIn, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperOut:
    return taper_out(session, taper_service.resume_taper(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id, data=data))


@router.post("/taper-steps/{step_id}/done", response_model=TaperStepOut)
def taper_step_done(step_id: DbId, data: DoneIn, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> TaperStepOut:
    return TaperStepOut.model_validate(taper_service.mark_step_done(session, actor=caller.actor, step_id=step_id, data=data))


@router.get("/tapers/{taper_id}/schedule.pdf")
def taper_schedule_pdf(taper_id: DbId, ctx: AppCtx, session: DbSession,
                       caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    pdf = taper_service.schedule_pdf(session, actor=caller.actor, calendar=ctx.calendar, taper_id=taper_id)
    headers = {"Content-Disposition": f'inline; filename="taper-schedule-{taper_id}.pdf"', "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)
# ---- end planned trials and tapers ------------------------------------------------------------------


# ---- Other medications (issue 13 item 2): drugs outside the packs, listed "not assessed by painpath" -----
from painpath.medications import other_service  # noqa: E402
from painpath.medications.other_schemas import (  # noqa: E402
    OtherAssessmentOut, OtherMedicationIn, OtherMedicationOut, OtherMedicationStop,
)


def other_out(line: other_service.OtherLine) -> OtherMedicationOut:
    a = line.assessment
    assessment = OtherAssessmentOut(status=a.status, words=a.words, drug_key=a.drug_key,  # type: ignore[arg-type]
                                    daily_mme=a.mme.daily_mme if a.mme is not None and a.status == "counted" else None)
    return OtherMedicationOut.model_validate(line.medication).model_copy(update={"assessment": assessment})


def _other_line(ctx, row) -> OtherMedicationOut:  # noqa: ANN001
    return other_out(other_service.lines_for([row], ctx.knowledge, rx_service.calendar_today(ctx.calendar))[0])


@router.post("/episodes/{episode_id}/other-medications", response_model=OtherMedicationOut, status_code=201)
def record_other_medication(episode_id: DbId, data: OtherMedicationIn, ctx: AppCtx, session: DbSession,
                            caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> OtherMedicationOut:
    return _other_line(ctx, other_service.record_other(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data))


@router.get("/episodes/{episode_id}/other-medications", response_model=list[OtherMedicationOut])
def list_other_medications(episode_id: DbId, ctx: AppCtx, session: DbSession,
                           caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[OtherMedicationOut]:
    found = other_service.list_others(session, actor=caller.actor, knowledge=ctx.knowledge, calendar=ctx.calendar, episode_id=episode_id)
    return [other_out(line) for line in found]


@router.post("/other-medications/{other_id}/stop", response_model=OtherMedicationOut)
def stop_other_medication(other_id: DbId, data: OtherMedicationStop, ctx: AppCtx, session: DbSession,
                          caller: Annotated[Caller, requires(Permission.MEDICATION_WRITE)]) -> OtherMedicationOut:
    return _other_line(ctx, other_service.stop_other(session, actor=caller.actor, other_id=other_id, data=data))
