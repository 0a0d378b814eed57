"""Staff working the engine's worklist: each role takes its open tasks in due order and does what each asks
through the service that does that work, until the day's minutes run out.

A handler per task kind says whether the task can be done now and does it. It decides nothing a rule
decides: whether a case may be submitted, which kit items are missing, when a decision is due all come
from the engine (a refused submission is simply not done today). Task kinds without a handler are left
open (and count as overdue when they pass due): the report says which those are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from painpath.authorizations import service as authorization_service
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import DocumentIn, PlannedDateIn, StepIn, SubmitIn
from painpath.checkins import service as checkin_service
from painpath.core.errors import DomainError
from painpath.orders import order_sending, order_service, slots
from painpath.orders.models import ImagingOrder
from painpath.orders.requisition import Requisition
from painpath.orders.schemas import BookIn, ReviewIn, SendIn
from painpath.patients import service as patient_service
from painpath.patients.models import Episode
from painpath.patients.schemas import EpisodeUpdate
from painpath.plans import service as plan_service
from painpath.plans.models import CarePlan, PlanStep
from painpath.plans.schemas import ConfirmIn
from painpath.simulation import forms_work, therapy_work
from painpath.simulation.running import Simulation
from painpath.worklist.models import Task


@dataclass(frozen=True)
class Handler:
    ready: Callable[[Simulation, Task], bool]  # can the task be worked now (no minutes spent otherwise)
    do: Callable[[Session, Simulation, Task], None]
    commits: bool = False  # the service commits on its own (sending does, before anything leaves): no savepoint


def _always(_sim: Simulation, _task: Task) -> bool:
    return True


def _due_today(sim: Simulation, task: Task) -> bool:
    return task.due_at <= sim.ctx.calendar.end_of_local_day_utc(sim.today)


# First visits -------------------------------------------------------------------------------------------

def _book_first_visit(session: Session, sim: Simulation, task: Task) -> None:
    sim.book_first_visit(session, task.episode_id)


# Authorizations ---------------------------------------------------------------------------------------

def _case_of(session: Session, task: Task) -> AuthorizationCase | None:
    case_id = int(task.key.rsplit(":", 1)[1])
    return session.get(AuthorizationCase, case_id)


def _kit_ready(sim: Simulation, task: Task) -> bool:
    """Kit items are worked while conservative care runs, or (the policy off) only once the case is due."""
    if task.key in sim.requested_items:
        return False  # asked for already: waiting for the outside answer
    if "imaging" in task.kind and (f"outside-report:{task.episode_id}" in sim.requested_items or _study_on_order(task)):
        return False  # asked for at the first visit (model.early_report_key), or the study ordered here brings its report
    return sim.scenario.policies.kit_before_eligibility or _due_today(sim, task)


def _study_on_order(task: Task) -> bool:
    """The episode has an imaging order whose report has not come back yet."""
    return object_session(task).scalar(select(ImagingOrder.id).where(
        ImagingOrder.episode_id == task.episode_id, ImagingOrder.report_received_at.is_(None),
        ImagingOrder.cancelled_at.is_(None)).limit(1)) is not None


# Criterion types whose missing evidence is an imaging report the outside centre sends when asked.
IMAGING_CRITERIA = frozenset({"imaging", "concordant_imaging", "imaging_required"})


def _kit_item(session: Session, sim: Simulation, task: Task) -> None:
    """Get the missing item: a document the clinic has is put on file now; an outside report is asked for and
    filed when the centre answers (sim.outside_report); other items are left for the engine to keep asking."""
    case = _case_of(session, task)
    if case is None:
        return
    criterion_id = task.evidence.get("criterion") or task.key.split(":")[2]
    policy = sim.ctx.knowledge.policies.get(case.policy_id or "")
    criterion = next((c for c in policy.criteria if c.id == criterion_id), None) if policy is not None else None
    kinds = getattr(criterion, "kinds", None)
    if kinds:  # documents the payer wants on file: the clinic has them (a handout, an evaluation letter) and files them
        for kind in kinds:
            authorization_service.add_document(session, actor=sim.actor("coordinator"), calendar=sim.ctx.calendar, case_id=case.id,
                                               data=DocumentIn(kind=kind, title=kind.replace("_", " ").capitalize(),
                                                               document_date=sim.today))
        return
    if getattr(criterion, "type", "") in IMAGING_CRITERIA:
        sim.requested_items.add(task.key)
        sim.outside_report(task.episode_id, task.key)
        return
    sim.unworkable.add(task.kind)
    sim.given_up.add(task.key)


def _submit_ready(sim: Simulation, task: Task) -> bool:
    """Due (the eligibility day has come) and no kit item left open on the worklist for the case."""
    if not _due_today(sim, task):
        return False
    return (task.episode_id, task.key.rsplit(":", 1)[1]) not in _open_kit_items(object_session(task))


_OPEN_KIT_ITEMS = "painpath.simulation.open_kit_items"  # session.info: (episode id, case id) of open kit-item tasks


def _open_kit_items(session: Session) -> set[tuple[int, str]]:
    """(episode id, case id) of every open kit-item task ("auth:kit:<criterion>:case:<id>"), read once per role's
    morning (its session): the morning's work closes no task (the next review does), so one read answers every
    submission the role looks at."""
    found = session.info.get(_OPEN_KIT_ITEMS)
    if found is None:
        rows = session.execute(select(Task.episode_id, Task.key).where(Task.status == "open", Task.key.like("auth:kit:%:case:%")))
        found = session.info[_OPEN_KIT_ITEMS] = {(episode_id, key.rsplit(":", 1)[1]) for episode_id, key in rows}
    return found


def _submit(session: Session, sim: Simulation, task: Task) -> None:
    case = _case_of(session, task)
    if case is None:
        return
    authorization_service.submit(session, actor=sim.actor("coordinator"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                                 case_id=case.id, data=SubmitIn(channel="portal", version=case.version))
    sim.payer_answers(case.id, case.payer_id)


def _not_eligible(session: Session, sim: Simulation, task: Task) -> None:
    """The engine finds the patient not eligible under the payer's policy: the clinician withdraws the request
    (the plan goes on without the procedure)."""
    case = _case_of(session, task)
    if case is None:
        return
    authorization_service.step(session, actor=sim.actor("clinician"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                               case_id=case.id, data=StepIn(action="withdraw", version=case.version,
                                                            note="Not eligible under the payer's policy"))


def _book_procedure(session: Session, sim: Simulation, task: Task) -> None:
    case = _case_of(session, task)
    if case is None or case.approved_from is None:
        return
    day = max(case.approved_from, sim.ctx.calendar.add_business_days(sim.today, 5))
    authorization_service.set_planned_date(session, actor=sim.actor("coordinator"), case_id=case.id,
                                           data=PlannedDateIn(planned_on=day, version=case.version))


# Plans ------------------------------------------------------------------------------------------------

def _step_review(session: Session, sim: Simulation, task: Task) -> None:
    """The six-week (or trial-end) review: the step's outcome drawn from the branch probabilities."""
    row = session.get(PlanStep, int(task.key.rsplit(":", 1)[1]))
    if row is None or row.status != "active":
        return
    outcome = sim.branch(row, session)
    plan_service.confirm(session, actor=sim.actor("clinician"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                         step_row_id=row.id, data=ConfirmIn(version=row.version, outcome=outcome))
    _discharge_if_done(session, sim, row.episode_id, row.plan_id)
    therapy_work.prescribe_if_planned(session, sim, row.episode_id)  # the next step may be a PT course


def _discharge_if_done(session: Session, sim: Simulation, episode_id: int, plan_id: int) -> None:
    """A plan that reached its end (maintenance, discharge): the patient is discharged, so the episode leaves the
    worklist's periodic review as it would leave the clinic's."""
    plan = session.get(CarePlan, plan_id)
    if plan is None or plan.status == "active":
        return
    episode = session.get(Episode, episode_id)
    data = EpisodeUpdate(problem_summary=episode.problem_summary, body_region=episode.body_region, laterality=episode.laterality,
                         onset_date=episode.onset_date, icd10_codes=list(episode.icd10_codes or []),
                         responsible_clinician_id=episode.responsible_clinician_id, coordinator_id=episode.coordinator_id,
                         location_id=episode.location_id, status="discharged", version=episode.version)
    patient_service.update_episode(session, actor=sim.actor("clinician"), episode_id=episode_id, data=data)


def _referral_step(session: Session, sim: Simulation, task: Task) -> None:
    """The pathway's outside referral (a surgeon's opinion): not modelled as a letter and its answer; the clinician
    closes the step as done and the patient leaves the clinic's pathway."""
    row = session.get(PlanStep, int(task.key.rsplit(":", 1)[1]))
    if row is None or row.status != "active":
        return
    plan_service.confirm(session, actor=sim.actor("clinician"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                         step_row_id=row.id, data=ConfirmIn(version=row.version, outcome="succeeded",
                                                            note="Referred on; followed by the specialist"))
    _discharge_if_done(session, sim, row.episode_id, row.plan_id)


# Check-ins --------------------------------------------------------------------------------------------

def _checkin(session: Session, sim: Simulation, task: Task) -> None:
    """The check-in call: a short note (pain, how they manage, no red flags), on time or late after a miss."""
    key = task.key.split(":", 2)[2]
    checkin_service.write_note(session, actor=sim.actor(task.owner_role), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                               episode_id=task.episode_id, key=key, expected_version=None, pain_now=5,
                               function_words="Managing day to day with the program", side_effects=None, red_flags=False,
                               red_flags_words=None, next_step="Continue the program; next check-in as planned")


# Imaging orders ---------------------------------------------------------------------------------------

def _order(session: Session, task: Task) -> ImagingOrder:
    return session.get(ImagingOrder, int(task.evidence["order_id"]))


def unrendered_requisition(_requisition: Requisition) -> bytes:
    """A simulated requisition never leaves the clinic: its PDF is not rendered (WeasyPrint costs about 0.3 s an
    order, a tenth of a replication's budget over 26 weeks). Everything else about sending is the real service."""
    return b"%PDF-1.4 simulated requisition (not rendered)\n"


def _send_order(session: Session, sim: Simulation, task: Task) -> None:
    order = _order(session, task)
    centre = sorted(sim.ctx.knowledge.imaging_centres)[0]
    sent = order_sending.send_order(session, actor=sim.actor("coordinator"), knowledge=sim.ctx.knowledge, calendar=sim.ctx.calendar,
                                    order_id=order.id, data=SendIn(version=order.version, centre_id=centre, send_by="print"),
                                    render=unrendered_requisition)
    if sent.status == "sent" and sent.urgency == "urgent":  # on the phone to the centre anyway: the slot is booked at once
        _book(session, sim, sent)


def _book_order(session: Session, sim: Simulation, task: Task) -> None:
    order = _order(session, task)
    if order.status == "sent":
        _book(session, sim, order)


def _book(session: Session, sim: Simulation, order: ImagingOrder) -> None:
    """Urgent: a standing slot within 48 hours when the centres hold one (the real slot finder); otherwise the
    centre's routine wait."""
    ctx, now = sim.ctx, sim.now()
    if order.urgency == "urgent":
        offers = slots.urgent_offers(ctx.knowledge.imaging_centres.values(), order.modality, now, ctx.calendar,
                                     order_service.booked_slots(session, clinic_id=order.clinic_id))
        if offers:
            local = ctx.calendar.to_local(offers[0].at).replace(tzinfo=None)
            booked = order_service.book(session, actor=sim.actor("coordinator"), knowledge=ctx.knowledge, calendar=ctx.calendar,
                                        order_id=order.id, data=BookIn(version=order.version, centre_id=offers[0].centre_id,
                                                                       booked_for=local, standing=True))
            sim.imaging_done(booked.id, booked.booked_for)
            return
    wait = max(1, round(sim.draw(sim.scenario.imaging.routine_wait_business_days.value)))
    day = ctx.calendar.add_business_days(sim.today, wait)
    centre = order.centre_id or sorted(ctx.knowledge.imaging_centres)[0]
    booked = order_service.book(session, actor=sim.actor("coordinator"), knowledge=ctx.knowledge, calendar=ctx.calendar,
                                order_id=order.id, data=BookIn(version=order.version, centre_id=centre,
                                                               booked_for=datetime.combine(day, time(10, 0)), minutes=45))
    sim.imaging_done(booked.id, booked.booked_for)


def _review_order(session: Session, sim: Simulation, task: Task) -> None:
    order = _order(session, task)
    order_service.review(session, actor=sim.actor("clinician"), order_id=order.id,
                         data=ReviewIn(version=order.version, concordant="yes", note="Concordant with the exam"))


HANDLERS: dict[str, Handler] = {
    "first_visit.book": Handler(lambda sim, task: task.owner_role != "front_desk", _book_first_visit),
    "visits.reschedule": Handler(_always, _book_first_visit),
    "authorizations.submit": Handler(_submit_ready, _submit),
    "authorizations.book": Handler(_always, _book_procedure),
    "authorizations.not-eligible": Handler(_always, _not_eligible),
    "plans.step_review": Handler(_due_today, _step_review),
    "plans.step_referral": Handler(_always, _referral_step),
    "checkins.due": Handler(_due_today, _checkin),
    "checkins.missed": Handler(_always, _checkin),
    "imaging_order.send": Handler(_always, _send_order, commits=True),
    "imaging_order.book": Handler(_always, _book_order),
    "imaging_order.review": Handler(_always, _review_order),
    # PT courses (therapy/rules.py): the extension goes out on the clinic's lead time (scenario policy).
    "pt_progress_note": Handler(_always, therapy_work.progress_report),
    "pt_medicare_progress_report": Handler(_always, therapy_work.progress_report),
    "pt_extension_request": Handler(therapy_work.extension_ready, therapy_work.request_extension),
    "pt_authorization_expiry": Handler(_always, therapy_work.request_extension),
    "pt_extension_escalation": Handler(_always, therapy_work.escalation_call),
    "pt_provider_follow_up": Handler(_always, therapy_work.book_provider_follow_up),
    "pt_poc_certification": Handler(_always, therapy_work.certify_plan_of_care),
    "pt_poc_recertification": Handler(_always, therapy_work.certify_plan_of_care),
    # Forms queue (paperwork/form_rules.py): draft, sign, send; the legal-deadline flag is met by sending.
    "forms.draft": Handler(_always, forms_work.draft),
    "forms.sign": Handler(_always, forms_work.sign),
    "forms.send": Handler(_always, forms_work.send, commits=True),
    "forms.overdue": Handler(lambda _sim, _task: False, lambda _session, _sim, _task: None),
}


def handler_for(kind: str) -> Handler | None:
    if kind.startswith("authorizations.kit:"):
        return Handler(_kit_ready, _kit_item)
    return HANDLERS.get(kind)


def open_tasks(session: Session, clinic_id: int, role: str) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.clinic_id == clinic_id, Task.status == "open", Task.owner_role == role)
                                .order_by(Task.due_at, Task.id)))


def minutes_for(staffing, task: Task) -> float:  # noqa: ANN001
    table = staffing.minutes_per_task
    for key in (task.kind, task.kind.split(":")[0], task.provider, "default"):
        if key in table:
            return table[key].value
    return 10.0


def work_role(sim: Simulation, role: str, people: int, minutes_per_person: int) -> None:
    """One role's day: open tasks in due order, each done by its handler while the role's minutes last. One unit
    of work for the role's morning; a task the services refuse is rolled back alone (a savepoint) and left open."""
    budget = float(people * minutes_per_person)
    if budget <= 0:
        return
    with sim.ctx.db.session() as session:
        for task in open_tasks(session, sim.clinic.clinic_id, role):
            handler = handler_for(task.kind)
            if handler is None:
                sim.unmodelled[task.kind] = sim.unmodelled.get(task.kind, 0) + 1
                continue
            if task.key in sim.given_up or not handler.ready(sim, task):
                continue
            cost = minutes_for(sim.scenario.staffing, task) * sim.rng.uniform(0.5, 1.5)
            if cost > budget:
                return
            budget -= cost
            try:
                if handler.commits:
                    handler.do(session, sim, task)
                else:
                    with session.begin_nested():
                        handler.do(session, sim, task)
            except DomainError:
                # The services refused (the rule says not yet, or the simulator lacks a fact): left open on the
                # worklist; only a submission is tried again (its kit may be complete tomorrow).
                sim.refused[task.kind] = sim.refused.get(task.kind, 0) + 1
                if task.kind != "authorizations.submit":
                    sim.given_up.add(task.key)
