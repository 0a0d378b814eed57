"""Care plan use cases: start a plan from a pathway, evaluate the active step, confirm the proposal, pivot.

Starting a step that leads to a procedure opens that procedure's authorization case in *preparing*
(through the authorizations service), so the kit fills in while the trial runs and is ready when it
ends. A pivot abandons the active step, withdraws its pending case with the reason, and the obligations
provider then closes the abandoned work with that same reason. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from painpath.authorizations import lifecycle
from painpath.authorizations import service as authorizations
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import CaseOpenIn, StepIn
from painpath.charting import service as charting
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    StaleWrite,
)
from painpath.facts.gather import gather_facts
from painpath.facts.vocabulary import EpisodeFacts
from painpath.knowledge.schemas.pathways import TERMINAL_NEXT, Pathway, PathwayStep
from painpath.medications.trials import service as medications
from painpath.patients import service as patients
from painpath.plans import order_steps, rules
from painpath.plans.models import CarePlan, PlanStep
from painpath.plans.schemas import (
    ConfirmIn,
    GoalIn,
    PivotIn,
    PlanStartIn,
    ProcedureDetailIn,
)

# A case still waiting for the payer (or not yet sent) is withdrawn when the plan moves away from it.
PENDING_CASE_STATES = frozenset({lifecycle.PREPARING, lifecycle.READY, lifecycle.SUBMITTED, lifecycle.PENDED})
SIDES = ("left", "right", "bilateral")


@dataclass(frozen=True)
class StepView:
    """The active step with what the rules say about it today."""

    row: PlanStep
    step: PathwayStep
    entry: rules.EntryCheck
    evaluation: rules.StepEvaluation
    proposal: rules.Proposal
    loop: order_steps.StepLoop | None = None  # the order or referral the step opens, with what is linked to it


@dataclass(frozen=True)
class PlanView:
    plan: CarePlan
    pathway: Pathway
    steps: list[PlanStep]
    current: StepView | None
    authorization: authorizations.Evaluated | None  # the case prepared for the step ahead


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, plan: CarePlan, **detail) -> None:
    audit.record(session, actor, f"plan.{action}", object_type="care_plan", object_id=plan.id, patient_id=plan.patient_id,
                 clinic_id=plan.clinic_id, detail=detail)


def _pathway(knowledge, pathway_id: str, field: str = "pathway_id") -> Pathway:
    found = knowledge.pathways.get(pathway_id)
    if found is None:
        known = ", ".join(sorted(knowledge.pathways))
        raise InvalidInput(FieldProblem(field, "known_pathway", f"No pathway {pathway_id!r}; known: {known}"))
    return found


def _first_step(pathway: Pathway, step_id: str | None) -> PathwayStep:
    if step_id is None:
        return pathway.first_step
    try:
        return pathway.step(step_id)
    except KeyError:
        known = ", ".join(s.id for s in pathway.steps)
        raise InvalidInput(FieldProblem("first_step_id", "known_step", f"No step {step_id!r} in {pathway.name}; known: {known}")) from None


def _goals(goals: Sequence[GoalIn]) -> list[dict]:
    return [g.model_dump(exclude_none=True) for g in goals]


def active_plan(session: Session, *, episode_id: int) -> CarePlan | None:
    return session.scalars(select(CarePlan).where(CarePlan.episode_id == episode_id, CarePlan.status == "active")
                           .order_by(CarePlan.id.desc())).first()


def plan_steps(session: Session, *, plan_id: int) -> list[PlanStep]:
    return list(session.scalars(select(PlanStep).where(PlanStep.plan_id == plan_id).order_by(PlanStep.started_on, PlanStep.id)))


def _active_step(session: Session, plan: CarePlan) -> PlanStep | None:
    return session.scalars(select(PlanStep).where(PlanStep.plan_id == plan.id, PlanStep.status == "active")).first()


def _plan(session: Session, actor: Actor, plan_id: int) -> CarePlan:
    plan = session.get(CarePlan, plan_id)
    if plan is None or plan.clinic_id != actor.clinic_id:
        raise NotFound("care plan", plan_id)
    return plan


# Facts ------------------------------------------------------------------------------------------------

def episode_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int],
                  today: date) -> dict[int, EpisodeFacts]:
    """The episodes' facts as gathered for authorizations, plus what pathway measures also read: documents
    filed in authorization kits (a psychological evaluation), medication doses and work status."""
    ids = sorted(set(episode_ids))
    found = gather_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=ids, today=today)
    # Kit documents are the only documents on record for now; the authorizations slice owns them.
    documents = authorizations.kit_documents_for_episodes(session, ids)
    trials = medications.trials_for_episodes(session, ids)
    work_status = charting.work_status_for_episodes(session, ids)
    trial_pack = medications.pack(knowledge)
    out = {}
    for episode_id, facts in found.items():
        doses = tuple(_dose(t, trial_pack) for t in trials.get(episode_id, []))
        work = tuple(work_status.get(episode_id, []))
        out[episode_id] = replace(facts, documents=(*facts.documents, *documents.get(episode_id, [])),
                                  extra={**facts.extra, rules.MEDICATION_USE: doses, rules.WORK_STATUS: work})
    return out


def _dose(trial, trial_pack) -> rules.MedicationDose:
    drug = medications.resolve_drug(trial_pack, drug_key=trial.drug_key, rxnorm_code=trial.rxnorm_code, drug_name=None)
    daily = trial.daily_mg if trial.daily_mg is not None else (
        trial.dose_mg * trial.times_per_day if trial.dose_mg is not None and trial.times_per_day else None)
    return rules.MedicationDose(drug=trial.drug_key or trial.drug_name, drug_class=drug.drug_class if drug else None,
                                daily_mg=daily, start=trial.start_date, end=trial.stop_date)


def _procedure_names(knowledge) -> dict[str, str]:
    return {p.id: p.name for p in knowledge.procedures.values()}


def step_loop(pathway: Pathway, step: PathwayStep, row: PlanStep, facts: EpisodeFacts) -> order_steps.StepLoop | None:
    due = pathway.order_due.business_days if pathway.order_due is not None else None
    return order_steps.step_loop(step, row.id, facts, due)


def step_view(knowledge, pathway: Pathway, row: PlanStep, facts: EpisodeFacts, today: date) -> StepView:
    step = pathway.step(row.step_id)
    names = _procedure_names(knowledge)
    loop = step_loop(pathway, step, row, facts)
    evaluation = rules.evaluate_step(step, facts, started_on=row.started_on, as_of=today, instruments=knowledge.instruments,
                                     procedure_names=names, trial_end=row.trial_ends_on, loop=loop)
    return StepView(row, step, rules.check_entry(step, facts, names), evaluation, rules.propose(pathway, step, evaluation), loop)


# Starting ---------------------------------------------------------------------------------------------

def start_plan(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,
               data: PlanStartIn) -> CarePlan:
    """Start a plan on the episode from a pathway, with its goals; its first step starts today."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    pathway = _pathway(knowledge, data.pathway_id)
    first = _first_step(pathway, data.first_step_id)
    if active_plan(session, episode_id=episode.id) is not None:
        raise Conflict(FieldProblem("pathway_id", "one_active_plan", "This episode already has an active plan; pivot it instead"))
    return _new_plan(session, actor, knowledge, calendar, episode, pathway, first, _goals(data.goals), data.procedure)


def _new_plan(session: Session, actor: Actor, knowledge, calendar: BusinessCalendar, episode, pathway: Pathway,
              first: PathwayStep, goals: list[dict], detail: ProcedureDetailIn | None) -> CarePlan:
    today = _today(calendar)
    plan = CarePlan(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, pathway_id=pathway.id,
                    pack_version=knowledge.pathway_versions.get(pathway.id, 1), goals=goals, status="active", started_on=today,
                    created_by_id=actor.user_id)
    session.add(plan)
    session.flush()
    _audit(session, actor, "start", plan, pathway_id=pathway.id, first_step=first.id, goals=len(goals))
    _start_step(session, actor, knowledge, calendar, plan, pathway, first, today, detail, episode)
    return plan


def _start_step(session: Session, actor: Actor, knowledge, calendar: BusinessCalendar, plan: CarePlan, pathway: Pathway,
                step: PathwayStep, today: date, detail: ProcedureDetailIn | None, episode) -> PlanStep:
    row = PlanStep(clinic_id=plan.clinic_id, plan_id=plan.id, episode_id=plan.episode_id, step_id=step.id, status="active",
                   started_on=today, trial_ends_on=rules.trial_ends_on(step, today))
    session.add(row)
    session.flush()
    row.authorization_case_id = _prepare_authorization(session, actor, knowledge, calendar, pathway, step, detail, episode)
    session.flush()
    _audit(session, actor, "step_start", plan, step=step.id, step_row_id=row.id,
           trial_ends_on=row.trial_ends_on.isoformat() if row.trial_ends_on else None, authorization_case_id=row.authorization_case_id)
    return row


def _prepare_authorization(session: Session, actor: Actor, knowledge, calendar: BusinessCalendar, pathway: Pathway,
                           step: PathwayStep, detail: ProcedureDetailIn | None, episode) -> int | None:
    """Open the case for the first procedure ahead that has none yet; else link the open case of one ahead.

    With no active coverage there is no payer to ask: nothing is opened, and the plan shows it.
    """
    ahead = rules.procedures_ahead(pathway, step)
    if not ahead:
        return None
    open_cases = {c.procedure_id: c for c in authorizations.cases_for_episode(session, episode_id=episode.id)
                  if c.state not in lifecycle.TERMINAL}
    linked = None
    for procedure_id in ahead:
        if procedure_id in open_cases:
            linked = linked or open_cases[procedure_id].id
            continue
        if patients.primary_payer_id(session, patient_id=episode.patient_id, on=_today(calendar)) is None:
            return linked
        detail = detail or ProcedureDetailIn()
        side = detail.side or (episode.laterality if episode.laterality in SIDES else "none")
        case = authorizations.open_case(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode.id,
                                        data=CaseOpenIn(procedure_id=procedure_id, cpt_codes=detail.cpt_codes, side=side,
                                                        levels=detail.levels, place_of_service=detail.place_of_service))
        return case.id
    return linked


# Reading ----------------------------------------------------------------------------------------------

def read_plan(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int) -> PlanView | None:
    """The episode's active plan (else its latest), with the current step's evaluation and the next step's authorization."""
    patients.read_episode(session, actor=actor, episode_id=episode_id)  # clinic check + chart-read audit
    plan = active_plan(session, episode_id=episode_id) or session.scalars(
        select(CarePlan).where(CarePlan.episode_id == episode_id).order_by(CarePlan.id.desc())).first()
    if plan is None:
        return None
    return view_of(session, knowledge=knowledge, calendar=calendar, plan=plan)


def view_of(session: Session, *, knowledge, calendar: BusinessCalendar, plan: CarePlan) -> PlanView:
    today = _today(calendar)
    pathway = _pathway(knowledge, plan.pathway_id)
    row = _active_step(session, plan)
    current = None
    evaluated = None
    if row is not None:
        facts = episode_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[plan.episode_id], today=today)
        current = step_view(knowledge, pathway, row, facts[plan.episode_id], today)
        if row.authorization_case_id is not None:
            case = session.get(AuthorizationCase, row.authorization_case_id)
            if case is not None:
                evaluated = authorizations.evaluate_cases(session, knowledge=knowledge, calendar=calendar, cases=[case], today=today)[0]
    return PlanView(plan, pathway, plan_steps(session, plan_id=plan.id), current, evaluated)


# Deciding ---------------------------------------------------------------------------------------------

def confirm(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, step_row_id: int,
            data: ConfirmIn) -> CarePlan:
    """A clinician records the active step's outcome (the proposal's unless they say otherwise) and the next step starts."""
    row = session.get(PlanStep, step_row_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound("plan step", step_row_id)
    plan = session.get(CarePlan, row.plan_id)
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=row.episode_id)
    if row.version != data.version:
        raise StaleWrite("plan step", data.version, row.version)
    if row.status != "active" or plan.status != "active":
        raise Conflict(FieldProblem("status", "active_step", f"This step is already {row.status}"))
    pathway = _pathway(knowledge, plan.pathway_id)
    today = _today(calendar)
    facts = episode_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=[row.episode_id], today=today)
    view = step_view(knowledge, pathway, row, facts[row.episode_id], today)
    outcome = data.outcome or view.proposal.outcome
    if outcome is None:
        raise InvalidInput(FieldProblem("outcome", "required", f"{view.proposal.words} Say whether the step succeeded or failed."))
    row.status = outcome
    row.outcome_note = data.note or view.evaluation.explanation
    row.decided_by_id, row.decided_at = actor.user_id, utcnow()
    target = view.step.on_success if outcome == "succeeded" else view.step.on_failure
    _audit(session, actor, "step_decide", plan, step=row.step_id, step_row_id=row.id, outcome=outcome, next=target,
           proposed=view.proposal.outcome, evaluation=view.evaluation.status)
    if target in TERMINAL_NEXT:
        plan.status, plan.ended_on, plan.end_reason = "completed", today, rules.next_step_name(pathway, target)
        _audit(session, actor, "complete", plan, ending=target)
    else:
        _start_step(session, actor, knowledge, calendar, plan, pathway, pathway.step(target), today, data.procedure, episode)
    session.flush()
    return plan


def pivot(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, plan_id: int, data: PivotIn) -> CarePlan:
    """Change pathway: the active step is abandoned with the reason, its pending case withdrawn with it,
    and a new plan starts on the new pathway."""
    plan = _plan(session, actor, plan_id)
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=plan.episode_id)
    if plan.version != data.version:
        raise StaleWrite("care plan", data.version, plan.version)
    if plan.status != "active":
        raise Conflict(FieldProblem("status", "active_plan", f"This plan is already {plan.status}"))
    pathway = _pathway(knowledge, data.pathway_id)
    first = _first_step(pathway, data.first_step_id)
    today = _today(calendar)
    row = _active_step(session, plan)
    if row is not None:
        row.status, row.outcome_note = "abandoned", data.reason
        row.decided_by_id, row.decided_at = actor.user_id, utcnow()
        _withdraw_pending_case(session, actor, knowledge, calendar, row, data.reason)
    plan.status, plan.ended_on, plan.end_reason = "pivoted", today, data.reason
    session.flush()
    new = _new_plan(session, actor, knowledge, calendar, episode, pathway, first, _goals(data.goals), data.procedure)
    plan.pivoted_to_id = new.id
    _audit(session, actor, "pivot", plan, to_pathway=pathway.id, new_plan_id=new.id,
           abandoned_step=row.step_id if row else None, authorization_case_id=row.authorization_case_id if row else None)
    session.flush()
    return new


def _withdraw_pending_case(session: Session, actor: Actor, knowledge, calendar: BusinessCalendar, row: PlanStep,
                           reason: str) -> None:
    if row.authorization_case_id is None:
        return
    case = session.get(AuthorizationCase, row.authorization_case_id)
    if case is None or case.state not in PENDING_CASE_STATES:
        return  # an approved case stays: the approval is the payer's, and may still be used
    authorizations.step(session, actor=actor, knowledge=knowledge, calendar=calendar, case_id=case.id,
                        data=StepIn(action="withdraw", version=case.version, note=f"Plan changed: {reason}"))


# Obligations ------------------------------------------------------------------------------------------

def step_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None,
               now: datetime) -> list[rules.StepFacts]:
    """Active steps (with today's evaluation) and steps decided recently (whose work is met or cancelled)."""
    recent = now - timedelta(days=rules.CANCELLATION_DAYS)
    query = select(PlanStep, CarePlan).join(CarePlan, CarePlan.id == PlanStep.plan_id).where(
        or_(PlanStep.status == "active", PlanStep.decided_at >= recent))
    if episode_ids is not None:
        query = query.where(ids_in(session, PlanStep.episode_id, list(episode_ids)))
    rows = session.execute(query.order_by(PlanStep.id)).all()
    if not rows:
        return []
    today = calendar.local_date(now)
    active_episodes = sorted({s.episode_id for s, _p in rows if s.status == "active"})
    facts = episode_facts(session, knowledge=knowledge, calendar=calendar, episode_ids=active_episodes, today=today) if active_episodes else {}
    found = []
    for row, plan in rows:
        pathway = knowledge.pathways.get(plan.pathway_id)
        if pathway is None:
            continue  # a pathway removed from the packs: its plans wait for a pivot, they owe nothing new
        step = pathway.step(row.step_id) if row.step_id in {s.id for s in pathway.steps} else None
        view = step_view(knowledge, pathway, row, facts[row.episode_id], today) if row.status == "active" and step and row.episode_id in facts else None
        found.append(rules.StepFacts(
            step_row_id=row.id, plan_id=plan.id, clinic_id=row.clinic_id, episode_id=row.episode_id, patient_id=plan.patient_id,
            pathway_name=pathway.name, step_name=step.name if step else row.step_id, status=row.status, started_on=row.started_on,
            trial_ends_on=row.trial_ends_on, decided_at=row.decided_at, outcome_note=row.outcome_note,
            authorization_case_ids=(row.authorization_case_id,) if row.authorization_case_id else (),
            evaluation=view.evaluation if view else None, proposal=view.proposal if view else None,
            evaluation_changes_on=rules.evaluation_change_days(step, facts[row.episode_id], today) if view and step else (),
            loop=view.loop if view else None,
        ))
    return found
