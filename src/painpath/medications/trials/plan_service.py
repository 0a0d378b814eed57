"""Starting a planned trial: target, titration schedule from the pack, checks, evaluation day, and the
one-trial-at-a-time rule (medications/trials/rules.py) with its audited override."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.knowledge.schemas import MedicationTrials
from painpath.medications.trials import service
from painpath.medications.trials import target_bounds
from painpath.medications.trials import titration
from painpath.medications.trials import rules as trial_rules
from painpath.medications.trials.models import MedicationTrial
from painpath.medications.trials.models import TrialPlan, TrialPlanItem
from painpath.medications.shared import DoneIn
from painpath.medications.trials.schemas import TrialPlanIn
from painpath.medications.trials.schemas import TrialIn
from painpath.patients import service as patients

_CHECK_KIND = "check"


def patient_trials_assessed(session: Session, *, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                            patient_id: int) -> list[service.AssessedTrial]:
    """Every trial of the patient (all episodes), assessed today: a running trial blocks across episodes."""
    as_of = service.today(calendar)
    payer_id = patients.primary_payer_id(session, patient_id=patient_id, on=as_of)
    rows = session.scalars(select(MedicationTrial).where(MedicationTrial.patient_id == patient_id).order_by(MedicationTrial.start_date))
    return [service.assess_trial(t, knowledge_trials, payer_id=payer_id, as_of=as_of) for t in rows]


def start_planned_trial(session: Session, *, actor: Actor, knowledge_trials: MedicationTrials, calendar: BusinessCalendar,
                        episode_id: int, data: TrialPlanIn) -> TrialPlan:
    """Record the trial at the pack's starting dose with its target, schedule, checks and evaluation day."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    drug = service.resolve_drug(knowledge_trials, drug_key=data.drug_key, rxnorm_code=data.rxnorm_code, drug_name=data.drug_name)
    if drug is None:
        named = data.drug_key or data.drug_name or data.rxnorm_code
        raise InvalidInput(FieldProblem("drug_key", "known_drug",
                                        f"No medication-trial pack defines {named!r}, so there is no titration or adequate "
                                        "trial to plan against; record it as a trial instead, or add the drug to a pack"))
    start = data.start_date or service.today(calendar)
    target = data.target
    problems = titration.schedule_problems(drug, target_daily_mg=target.daily_mg, interval_days=target.interval_days,
                                           reach_by=target.reach_by, start=start, above_max_reason=target.above_max_reason)
    if problems:
        raise InvalidInput(problems)
    running = trial_rules.running_trials(
        patient_trials_assessed(session, knowledge_trials=knowledge_trials, calendar=calendar, patient_id=patient.id), new_drug=drug.id)
    refusal = trial_rules.one_at_a_time_problem(running, override_reason=data.override_reason)
    if refusal is not None:
        raise Conflict(refusal)
    schedule = titration.titration_schedule(drug, start=start, target_daily_mg=target.daily_mg, interval_days=target.interval_days)
    first = schedule.steps[0]
    trial = service.record_trial(session, actor=actor, knowledge_trials=knowledge_trials, calendar=calendar, episode_id=episode.id,
                                 data=TrialIn(drug_key=drug.id, dose_mg=first.dose_mg, times_per_day=first.times_per_day, start_date=start))
    last = schedule.steps[-1]
    plan = TrialPlan(
        clinic_id=episode.clinic_id, trial_id=trial.id, episode_id=episode.id, patient_id=patient.id, drug_key=drug.id,
        target_daily_mg=target.daily_mg, target_dose_words=last.words, target_reached_on=schedule.target_reached_on,
        evaluation_on=schedule.evaluation_on, interval_days=schedule.interval_days, success_text=target.success,
        success_measures=[m.model_dump() for m in target.measures],
        override_reason=(data.override_reason or None) if running else None,
        above_max_reason=_above_max_reason(drug, target),
        overridden_trial_ids=[r.trial_id for r in running], created_by_id=actor.user_id,
    )
    session.add(plan)
    session.flush()
    _add_items(session, plan, schedule, drug_name=drug.name, evaluation_text=_evaluation_text(plan, drug.name))
    audit.record(session, actor, "medication_trial.plan", object_type="medication_trial_plan", object_id=plan.id, patient_id=patient.id,
                 detail={"trial_id": trial.id, "drug": drug.id, "target_daily_mg": target.daily_mg,
                         "evaluation_on": schedule.evaluation_on.isoformat()})
    if plan.above_max_reason is not None:
        # Like the override below: the reason stays on the plan, the audit says who went above what.
        audit.record(session, actor, "medication_trial.target_above_pack_max", object_type="medication_trial_plan", object_id=plan.id,
                     patient_id=patient.id, detail={"drug": drug.id, "target_daily_mg": target.daily_mg,
                                                    "pack_max_mg": target_bounds.pack_max_mg(drug)})
    if running:
        # The reason itself stays on the plan (it may hold clinical detail); the audit says who overrode what.
        audit.record(session, actor, "medication_trial.one_at_a_time_override", object_type="medication_trial_plan", object_id=plan.id,
                     patient_id=patient.id, detail={"running_trial_ids": plan.overridden_trial_ids, "new_drug": drug.id})
    return plan


def _above_max_reason(drug, target) -> str | None:  # noqa: ANN001
    """The clinician's reason, kept only when the target is above the pack's maximum (where it was required)."""
    maximum = target_bounds.pack_max_mg(drug)
    if maximum is None or target.daily_mg <= maximum:
        return None
    return (target.above_max_reason or "").strip() or None


def _evaluation_text(plan: TrialPlan, drug_name: str) -> str:
    return (f"Evaluate the {drug_name} trial: {plan.target_dose_words} held since {plan.target_reached_on.isoformat()}. "
            f"Success means: {plan.success_text}")


def _add_items(session: Session, plan: TrialPlan, schedule: titration.TrialSchedule, *, drug_name: str, evaluation_text: str) -> None:
    common = {"clinic_id": plan.clinic_id, "plan_id": plan.id, "episode_id": plan.episode_id, "patient_id": plan.patient_id}
    for step in schedule.steps[1:]:  # step 1 is today's start, recorded as the trial itself
        session.add(TrialPlanItem(**common, kind="titration", number=step.number, due_on=step.on, daily_mg=step.daily_mg,
                                  text=f"Titration step {step.number} of {drug_name}: {step.words}", source=schedule.sources[0]))
    for number, check in enumerate(schedule.checks, start=1):
        session.add(TrialPlanItem(**common, kind=_CHECK_KIND, number=number, due_on=check.on, check_id=check.check_id,
                                  text=check.text, source=check.source))
    session.add(TrialPlanItem(**common, kind="evaluation", number=1, due_on=schedule.evaluation_on, text=evaluation_text,
                              source=schedule.sources[-1]))
    session.flush()


def plan_items(session: Session, plan_id: int) -> list[TrialPlanItem]:
    return list(session.scalars(select(TrialPlanItem).where(TrialPlanItem.plan_id == plan_id)
                                .order_by(TrialPlanItem.due_on, TrialPlanItem.kind, TrialPlanItem.number)))


def plans_for_episode(session: Session, *, actor: Actor, episode_id: int) -> list[TrialPlan]:
    patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(TrialPlan).where(TrialPlan.episode_id == episode_id).order_by(TrialPlan.id)))


def mark_item_done(session: Session, *, actor: Actor, item_id: int, data: DoneIn) -> TrialPlanItem:
    """A titration check-in, monitoring check or evaluation was done (its task is then met)."""
    item = session.get(TrialPlanItem, item_id)
    if item is None or item.clinic_id != actor.clinic_id:
        raise NotFound("trial_plan_item", item_id)
    if item.done_at is not None:
        raise Conflict(FieldProblem("done_at", "not_done", f"This item was already done on {item.done_at.date().isoformat()}"))
    item.done_at, item.done_by_id, item.note = utcnow(), actor.user_id, data.note
    session.flush()
    audit.record(session, actor, "medication_trial_plan.item_done", object_type="medication_trial_plan_item", object_id=item.id,
                 patient_id=item.patient_id, detail={"kind": item.kind, "plan_id": item.plan_id})
    return item
