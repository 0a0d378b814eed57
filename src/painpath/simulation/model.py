"""The simulated clinic: SimPy processes that write facts through the real services and work the real worklist.

Contract (kept by the report and the CLI): `run_replication` runs one replication of a scenario from its
seed in a throwaway database and returns its `ReplicationResult`; `run_scenario` runs the replications
(seed, seed+1, ...) and returns the `ScenarioResult`. The same scenario, weeks and seed give the same result.

A simulated business day: referrals that came in since the last one are entered at 07:00; at 08:00 the
periodic review (worklist/review.py) reconciles every episode whose facts changed (each commit marks its
episodes, worklist/touched.py) or whose obligations change with the clock, and the open overdue tasks are
counted; from 08:30 each role works its open tasks in due order within its minutes (staff.py); visits,
imaging studies, outside reports and payers' answers happen at their own times as SimPy processes. The
clock (core/clock.py SettableClock, not ticking) is moved to each event's moment before the services are
called, so every stored time is the simulated one.

Modelled: referrals (Poisson by weekday), first-visit booking into clinicians' new-patient slots, missed
visits and their rebooking, the first visit's note, exam, questionnaire, pain diagram, care tried and the
plan started from the pathway (which opens the authorization case), kit items (documents filed, outside
imaging reports asked for and received), submission on the engine's due day once no kit item is open,
payers' answers inside their decision clocks with denials, approved procedures dated, step reviews with
branch probabilities, check-in calls, imaging orders sent, booked (standing urgent slots through the real
slot finder, else the routine wait), done, reported and reviewed; PT courses the plan's steps prescribe, their
visits while an authorization covers them and their extensions (therapy_work.py); forms patients bring, drafted,
signed and sent (forms_work.py). Not modelled (left open on the worklist, counted apart in
`Simulation.overdue_unmodelled`): payer follow-up calls, peer-to-peer after a denial, and any kit item that is
neither a document nor an imaging report.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import math
import random
import traceback
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
import shutil
from multiprocessing import get_context
from multiprocessing.pool import Pool

import simpy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.authorizations import clocks
from painpath.authorizations import service as authorization_service
from painpath.authorizations.models import AuthorizationCase
from painpath.authorizations.schemas import DecisionIn
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.service import actor_for
from painpath.core.clock import SettableClock, installed
from painpath.core.errors import DomainError
from painpath.core.logging import configure_logging
from painpath.intake import service as intake_service
from painpath.intake import visits
from painpath.intake.models import Appointment
from painpath.intake.schemas import AppointmentIn
from painpath.orders import order_service
from painpath.orders import service as study_service
from painpath.orders.models import ImagingOrder, ImagingStudy
from painpath.orders.schemas import DoneIn, OrderReportIn, ReportIn
from painpath.patients.models import Episode
from painpath.plans.models import CarePlan, PlanStep
from painpath.simulation import clinic, forms_work, patients, therapy_work
from painpath.simulation.clinic import open_clinic
from painpath.simulation.measures import replication_measures
from painpath.simulation.results import ReplicationResult, ScenarioResult
from painpath.simulation.scenario import DEFAULT_STEP_FAILURE, WEEKDAYS, Scenario
from painpath.simulation.staff import handler_for, work_role
from painpath.worklist.models import Task
from painpath.worklist.review import review_due

# Roles in the order they work each morning: the clinician's six-week reviews decide whether a case goes
# ahead before the coordinator submits it the same day.
WORK_ORDER = (("clinician", "clinicians"), ("coordinator", "coordinators"), ("front_desk", "front_desk"),
              ("nurse", "nurses"), ("therapist", "therapists"))
FIRST_SLOT = time(9, 0)


@contextmanager
def _collector_relaxed() -> Iterator[None]:
    """Cyclic garbage collection rarely during a replication. The ORM makes many short-lived cycles, and with
    the default thresholds the collector ran every few hundred allocations and walked the long-lived heap
    (the knowledge packs, the imported code) again and again: about an eighth of a replication's CPU. What
    lives before the run is frozen out of the collector's sight; the run's own garbage is still collected."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count from `rng` (Knuth's method: the means here are a few referrals a day)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def early_report_key(episode_id: int) -> str:
    """The marker of an outside imaging report asked for at the first visit (kit before eligibility)."""
    return f"outside-report:{episode_id}"


class SimulationError(RuntimeError):
    """A replication failed: the message carries the original traceback."""


class Simulation:
    """One replication: its database, clock, random stream and SimPy environment."""

    def __init__(self, scenario: Scenario, *, weeks: int, seed: int) -> None:
        self.scenario, self.weeks, self.seed = scenario, weeks, seed
        self.rng = random.Random(seed)
        self.clinic = open_clinic(scenario.staffing)
        self.ctx = self.clinic.ctx
        if not scenario.imaging.standing_urgent_slots:  # the centres hold no standing slots for the clinic
            centres = {cid: c.model_copy(update={"urgent_slots": ()}) for cid, c in self.ctx.knowledge.imaging_centres.items()}
            self.ctx.knowledge = dataclasses.replace(self.ctx.knowledge, imaging_centres=centres)
        self.calendar = self.ctx.calendar
        self.start = date.fromisoformat(scenario.start)
        self.origin = self.calendar.to_utc(datetime.combine(self.start, time(0, 0)))
        self.clock = SettableClock(self.origin, tick=False)
        self.env = simpy.Environment()
        self.referrals: dict[int, patients.Referral] = {}
        self.booked_slots: dict[date, int] = {}
        self.requested_items: set[str] = set()
        self.given_up: set[str] = set()  # kit items (task keys) the simulator has no way to get
        self.unmodelled: dict[str, int] = {}
        self.unworkable: set[str] = set()
        self.refused: dict[str, int] = {}  # task kind -> times the services refused the work (left open)
        self.overdue: list[dict[str, int]] = []  # per business day: role -> open overdue tasks of worked kinds
        self.overdue_unmodelled: dict[str, int] = {}  # task kind -> overdue task-days of kinds nobody works
        self.pt_schedules: dict[int, therapy_work.CourseSchedule] = {}  # PT course id -> where its visits are
        self._actors: dict[str, Actor] = {}
        self._next_clinician = 0
        self._referred = 0

    # Time ---------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> date:
        return self.calendar.local_date(self.now())

    def local(self, day: date, at: time) -> datetime:
        return self.calendar.to_utc(datetime.combine(day, at))

    def until(self, moment: datetime) -> Generator:
        """Wait for `moment` (naive UTC) and set the clock to it."""
        hours = (moment - self.origin).total_seconds() / 3600
        yield self.env.timeout(max(0.0, hours - self.env.now))
        self.clock.move_to(max(moment, self.clock.now()))

    def process(self, events: Generator) -> None:
        """Start a SimPy process; an error inside it stops the run with its own traceback (SimPy re-raises a copy
        of the exception, which some exception types, SQLAlchemy's among them, cannot be rebuilt from)."""

        def guarded() -> Generator:
            try:
                yield from events
            except Exception as exc:
                raise SimulationError(f"simulated clinic failed on {self.today}: {traceback.format_exc()}") from exc

        self.env.process(guarded())

    def draw(self, mean: float) -> float:
        """A duration around `mean`: uniform from half to one and a half times it."""
        return mean * self.rng.uniform(0.5, 1.5)

    def actor(self, role: str) -> Actor:
        if role not in self._actors:
            self._actors[role] = actor_for(self.clinic.staff[role][0])
        return self._actors[role]

    def review(self) -> None:
        """The periodic review: every episode whose facts changed (each commit marks its episodes, worklist/touched.py)
        or whose obligations change with the clock is reconciled, in chunks, as the clinic's sweeper does."""
        review_due(self.ctx, now=self.now())

    # The day ------------------------------------------------------------------------------------------

    def days(self) -> Generator:
        waiting = 0
        rates = self.scenario.arrivals.per_weekday
        staffing = self.scenario.staffing
        for offset in range(self.weeks * 7):
            day = self.start + timedelta(days=offset)
            waiting += _poisson(self.rng, rates.get(WEEKDAYS[day.weekday()], 0.0))
            if not self.calendar.is_business_day(day):
                continue  # weekend and holiday referrals are entered on the next business day
            yield from self.until(self.local(day, time(7, 0)))
            self.arrivals(waiting)
            waiting = 0
            yield from self.until(self.local(day, time(8, 0)))
            self.review()
            self.count_overdue()
            yield from self.until(self.local(day, time(8, 30)))
            for role, field in WORK_ORDER:
                self.clock.move_to(self.local(day, time(8, 30)))
                work_role(self, role, getattr(staffing, field), staffing.minutes_per_day.get(role, 0))
            yield from self.until(self.local(day, therapy_work.PT_VISITS_AT))
            therapy_work.give_visits(self)

    def count_overdue(self) -> None:
        """Open tasks past due at the start of the day, by role; tasks of kinds the simulated staff do not work
        (staff.py HANDLERS) are counted apart, since nobody in the simulation could ever close them."""
        now = self.now()
        with self.ctx.db.session() as session:
            rows = session.execute(select(Task.owner_role, Task.kind, func.count()).where(
                Task.clinic_id == self.clinic.clinic_id, Task.status == "open", Task.due_at < now)
                .group_by(Task.owner_role, Task.kind)).all()
        worked: dict[str, int] = {}
        for role, kind, count in rows:
            if handler_for(kind) is None:
                self.overdue_unmodelled[kind] = self.overdue_unmodelled.get(kind, 0) + count
            else:
                worked[role] = worked.get(role, 0) + count
        self.overdue.append(worked)

    # Referrals and first visits ---------------------------------------------------------------------------

    def arrivals(self, count: int) -> None:
        journeys = self.scenario.journeys
        pathways = sorted(journeys.pathway_shares)
        payers = sorted(self.scenario.payers)
        clinicians = self.clinic.staff["clinician"]
        coordinators = self.clinic.staff["coordinator"]
        for _ in range(count):
            pathway_id = self.rng.choices(pathways, weights=[journeys.pathway_shares[p] for p in pathways])[0]
            payer_id = self.rng.choices(payers, weights=[self.scenario.payers[p].share for p in payers])[0]
            urgent = self.rng.random() < (self.scenario.imaging.urgent_share or journeys.red_flag_rate).value
            needs_imaging = urgent or self.rng.random() < self.scenario.imaging.imaging_needed_share.value
            self._referred += 1
            number = self._referred
            clinician = clinicians[self._next_clinician % len(clinicians)]
            coordinator = coordinators[self._next_clinician % len(coordinators)]
            self._next_clinician += 1
            try:
                with self.ctx.db.session() as session:
                    referral = patients.new_referral(
                        session, self.ctx, self.actor("front_desk"), number=number, pathway_id=pathway_id, payer_id=payer_id,
                        clinician_id=clinician.id, coordinator_id=coordinator.id, location_id=self.clinic.location_id,
                        today=self.today, rng=self.rng, needs_imaging=needs_imaging, urgent=urgent)
            except DomainError:
                self.refusal("referral")
                continue
            self.referrals[referral.episode_id] = referral

    def book_first_visit(self, session: Session, episode_id: int) -> None:
        """The next free new-patient slot from the next business day on; the visit then happens (or is missed)."""
        booked = session.scalar(select(Appointment.id).where(Appointment.episode_id == episode_id, Appointment.status == "booked").limit(1))
        if booked is not None:  # the rebooking after a no-show and the first-visit duty ask for the same visit
            return
        staffing = self.scenario.staffing
        clinicians = max(1, staffing.clinicians)
        per_day = clinicians * staffing.new_patient_slots_per_clinician_day
        day = self.calendar.add_business_days(self.today, 1)
        while self.booked_slots.get(day, 0) >= per_day:
            day = self.calendar.add_business_days(day, 1)
        taken = self.booked_slots[day] = self.booked_slots.get(day, 0) + 1
        start = datetime.combine(day, FIRST_SLOT) + timedelta(hours=(taken - 1) // clinicians)
        referral = self.referrals[episode_id]
        appointment = intake_service.book_appointment(
            session, actor=self.actor("coordinator"), calendar=self.calendar, episode_id=episode_id,
            data=AppointmentIn(visit_type="new_patient", location_id=self.clinic.location_id, start_at=start))
        self.process(self.visit(referral, appointment.id, self.calendar.to_utc(start)))

    def refusal(self, what: str) -> None:
        """A service refused what the simulator tried (a fact the model does not supply): that step is skipped for
        this patient and counted, and the clinic goes on, as one episode's failure never stops the others."""
        self.refused[what] = self.refused.get(what, 0) + 1

    def visit(self, referral: patients.Referral, appointment_id: int, start: datetime) -> Generator:
        yield from self.until(start)
        missed = self.rng.random() < self.scenario.journeys.missed_visit_rate.value
        try:
            self._visit(referral, appointment_id, missed)
        except DomainError:
            self.refusal("first_visit")

    def _visit(self, referral: patients.Referral, appointment_id: int, missed: bool) -> None:
        with self.ctx.db.session() as session:
            appointment = visits.get_appointment(session, self.clinic.clinic_id, appointment_id)
            if missed:
                visits.no_show(session, actor=self.actor("front_desk"), appointment_id=appointment_id, version=appointment.version)
            else:
                appointment = visits.check_in(session, actor=self.actor("front_desk"), appointment_id=appointment_id,
                                              version=appointment.version)
                episode = session.get(Episode, referral.episode_id)
                clinician = actor_for(session.get(User, episode.responsible_clinician_id))
                patients.first_visit(session, self.ctx, clinician, referral, today=self.today, now=self.now(),
                                     appointment_id=appointment_id,
                                     prior_pt_weeks=self.scenario.journeys.prior_conservative_weeks.value)
                visits.complete(session, actor=clinician, appointment_id=appointment_id, version=appointment.version)
                therapy_work.prescribe_if_planned(session, self, referral.episode_id)
        if not missed:
            forms_work.maybe_bring_form(self, referral.episode_id)
        if not missed and not referral.needs_imaging and self.scenario.policies.kit_before_eligibility:
            # The kit assembled while conservative care runs: the outside centre's report of the study the patient
            # brought is asked for now, so it is on file when the procedure's case opens (often only once
            # conservative care has failed, eligible that day). With the policy off it is asked for when the
            # case's kit asks for it.
            self.requested_items.add(early_report_key(referral.episode_id))
            self.outside_report(referral.episode_id, early_report_key(referral.episode_id))

    # Outside parties ----------------------------------------------------------------------------------

    def outside_report(self, episode_id: int, task_key: str) -> None:
        self.process(self._outside_report(episode_id, task_key))

    def _outside_report(self, episode_id: int, task_key: str) -> Generator:
        """The centre that did the outside study faxes its report some business days after it was asked."""
        wait = max(1, round(self.draw(self.scenario.imaging.outside_report_business_days.value)))
        yield from self.until(self.local(self.calendar.add_business_days(self.today, wait), time(11, 0)))
        with self.ctx.db.session() as session:
            study = session.scalars(select(ImagingStudy).where(ImagingStudy.episode_id == episode_id,
                                                               ImagingStudy.report_on_file.is_(False)).order_by(ImagingStudy.id)).first()
            if study is not None:
                study_service.record_report(session, actor=self.actor("coordinator"), study_id=study.id, data=ReportIn(
                    concordant="yes", summary="Findings match the exam", version=study.version))
        self.requested_items.discard(task_key)

    def imaging_done(self, order_id: int, booked_for: datetime) -> None:
        self.process(self._imaging(order_id, booked_for))

    def _imaging(self, order_id: int, booked_for: datetime) -> Generator:
        """The study is done in its slot and the report comes back the next business day."""
        yield from self.until(booked_for)
        with self.ctx.db.session() as session:
            order = session.get(ImagingOrder, order_id)
            order_service.record_done(session, actor=self.actor("coordinator"), order_id=order_id,
                                      data=DoneIn(version=order.version, performed_on=self.today))
        yield from self.until(self.local(self.calendar.add_business_days(self.today, 1), time(12, 0)))
        with self.ctx.db.session() as session:
            order = session.get(ImagingOrder, order_id)
            order_service.receive_report(session, actor=self.actor("coordinator"), calendar=self.calendar, order_id=order_id,
                                         data=OrderReportIn(version=order.version, summary="Findings answer the clinical question"))

    def payer_answers(self, case_id: int, payer_id: str) -> None:
        self.process(self._payer(case_id, payer_id))

    def _payer(self, case_id: int, payer_id: str) -> Generator:
        """The payer answers inside its decision clock (the payer pack's, read by the engine's clocks), or after the scenario's
        own business days; it denies a share of requests."""
        behaviour = self.scenario.payers.get(payer_id)
        submitted = self.now()
        if behaviour is not None and behaviour.decision_business_days is not None:
            days = max(0, round(self.draw(behaviour.decision_business_days.value)))
            answer_at = self.local(self.calendar.add_business_days(self.today, days), time(14, 0))
        else:
            payer = self.ctx.knowledge.payers[payer_id]
            due = clocks.decision_due(self.calendar, payer, "standard", submitted)
            answer_at = submitted + (due - submitted) * self.rng.uniform(0.2, 0.9)
        deny = behaviour is not None and self.rng.random() < behaviour.denial_rate.value
        yield from self.until(answer_at)
        with self.ctx.db.session() as session:
            case = session.get(AuthorizationCase, case_id)
            if case.state != "submitted":
                return
            today = self.today
            data = (DecisionIn(outcome="deny", version=case.version, denial_reason="Not medically necessary per the payer's policy")
                    if deny else DecisionIn(outcome="approve", version=case.version, authorization_number=f"SIM-{case_id:06d}",
                                            approved_units=case.units_requested, approved_from=today,
                                            approved_to=today + timedelta(days=90)))
            try:
                authorization_service.record_decision(session, actor=self.actor("coordinator"), calendar=self.calendar,
                                                      case_id=case_id, data=data)
            except DomainError:
                return

    # Journeys -----------------------------------------------------------------------------------------

    def branch(self, row: PlanStep, session: Session) -> str:
        """A step's outcome: the scenario's probability that it succeeds ("<pathway>.<step>.success" or ".succeeded")
        or fails (".failure" or ".failed"), else the stated default."""
        plan = session.get(CarePlan, row.plan_id)
        table = self.scenario.journeys.branch_probabilities
        step = f"{plan.pathway_id}.{row.step_id}"
        succeeded = table.get(f"{step}.success") or table.get(f"{step}.succeeded")
        failed = table.get(f"{step}.failure") or table.get(f"{step}.failed")
        p_fail = 1 - succeeded.value if succeeded else (failed.value if failed else DEFAULT_STEP_FAILURE)
        return "failed" if self.rng.random() < p_fail else "succeeded"

    def run(self) -> ReplicationResult:
        with installed(self.clock), _collector_relaxed():
            self.process(self.days())
            self.env.run(until=self.weeks * 7 * 24 + 1)
            with self.ctx.db.session() as session:
                measures, counts = replication_measures(session, self.ctx, self.clinic.clinic_id, start=self.start,
                                                        until=self.start + timedelta(weeks=self.weeks))
        roles = sorted({role for sample in self.overdue for role in sample})
        days = max(1, len(self.overdue))
        by_role = {role: sum(s.get(role, 0) for s in self.overdue) / days for role in roles}
        measures["overdue_tasks_per_day"] = sum(by_role.values()) if self.overdue else None
        counts["overdue_tasks_per_day"] = len(self.overdue)
        return ReplicationResult(seed=self.seed, measures=measures, overdue_by_role=by_role, episodes=len(self.referrals),
                                 counts=counts)


def run_replication(scenario: Scenario, *, weeks: int, seed: int) -> ReplicationResult:
    """One replication: a fresh throwaway database, the scenario's clinic for `weeks` weeks, its measures."""
    simulation = Simulation(scenario, weeks=weeks, seed=seed)
    try:
        return simulation.run()
    finally:
        simulation.clinic.close()


def _one(args: tuple[Scenario, int, int]) -> ReplicationResult:
    scenario, weeks, seed = args
    return run_replication(scenario, weeks=weeks, seed=seed)


def _in_worker(args: tuple[Scenario, int, int]) -> ReplicationResult:
    """A worker process's replication: the services' info logs (one line per order sent) kept off the terminal."""
    configure_logging(logging.WARNING)
    return _one(args)


def run_scenario(scenario: Scenario, *, weeks: int, replications: int, seed: int, processes: int = 1,
                 pool: Pool | None = None) -> ScenarioResult:
    """`replications` replications seeded seed, seed+1, ...; `processes` > 1 runs them in parallel processes
    (`pool`, when given, is used instead of starting one: see `worker_pool`).

    Workers are spawned (a fresh interpreter each, never a fork of a process holding database connections), so a
    plain script calling this needs the usual `if __name__ == "__main__":` guard; console entry points have it."""
    jobs = [(scenario, weeks, seed + n) for n in range(replications)]
    if pool is not None and replications > 1:
        results = pool.map(_in_worker, jobs, chunksize=1)
    elif processes > 1 and replications > 1:
        with worker_pool(min(processes, replications)) as own:
            results = own.map(_in_worker, jobs, chunksize=1)
    else:
        results = [_one(job) for job in jobs]
    return ScenarioResult(scenario_id=scenario.id, scenario_name=scenario.name, weeks=weeks, seed=seed,
                          replications=tuple(results))


@contextmanager
def worker_pool(processes: int) -> Iterator[Pool]:
    """Spawned worker processes for several scenarios' replications: each worker imports painpath, loads the
    knowledge packs and builds the template database once, not once per scenario."""
    # A pool ends its workers without running their exit handlers, so their template databases go in a folder
    # this process owns and removes.
    scratch = clinic.scratch_root()
    try:
        with get_context("spawn").Pool(processes, initializer=clinic.use_scratch_root, initargs=(str(scratch),)) as pool:
            yield pool
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
