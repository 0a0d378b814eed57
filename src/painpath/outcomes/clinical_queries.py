"""Read models for the clinical outcome measures: batched, read-only queries over other slices' tables.

DESIGN.md allows a dashboard to join other slices' tables read-only for display, in its own query module; these
functions never write. Each loads one kind of fact for every episode a filter admits in one statement (no loop
per episode), so the dashboard stays within a small factor of the raw SQL on a large clinic. Rows come unordered where
the measure orders what it needs itself (bench/clinical_outcomes_bench.py times them).

The episode filters (payer, pathway, clinician, location) are applied the same way for every measure:
- payer: the patient's primary coverage (priority 1) is with that payer;
- pathway: the episode has a care plan on that pathway;
- clinician: the episode's responsible clinician; location: the episode's location.
The period and the procedure filter are applied by each measure on its own anchor date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.core.clock import remembered_local_date
from painpath.charting.models import Encounter
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.outcomes.measures import Filters
from painpath.patients.models import Coverage, Episode
from painpath.plans.models import CarePlan, PlanStep
from painpath.therapy.models import PtCourse


def _rows(session: Session, statement):  # noqa: ANN001, ANN202
    """Plain rows through the session's connection: these reads need no ORM identity map or entity loading."""
    return session.connection().execute(statement).all()


def _episode_filtered(filters: Filters) -> bool:
    return any(v is not None for v in (filters.clinician_id, filters.location_id, filters.payer_id, filters.pathway_id))


def admitted(column, clinic_id: int, filters: Filters) -> tuple:  # noqa: ANN001
    """The condition "this episode id column is one the episode filters admit"; none when no episode filter is set
    (every row is already bounded by clinic_id, and the planner does better without a needless subquery)."""
    return (column.in_(episode_ids_admitted(clinic_id, filters)),) if _episode_filtered(filters) else ()


def episode_ids_admitted(clinic_id: int, filters: Filters):  # noqa: ANN201 - a Select of episode ids
    """The episodes the dashboard's episode filters admit (a subquery; the period is the measure's own)."""
    query = select(Episode.id).where(Episode.clinic_id == clinic_id)
    if filters.clinician_id is not None:
        query = query.where(Episode.responsible_clinician_id == filters.clinician_id)
    if filters.location_id is not None:
        query = query.where(Episode.location_id == filters.location_id)
    if filters.payer_id is not None:
        query = query.where(Episode.patient_id.in_(
            select(Coverage.patient_id).where(Coverage.clinic_id == clinic_id, Coverage.payer_id == filters.payer_id,
                                              Coverage.priority == 1)))
    if filters.pathway_id is not None:
        query = query.where(Episode.id.in_(
            select(CarePlan.episode_id).where(CarePlan.clinic_id == clinic_id, CarePlan.pathway_id == filters.pathway_id)))
    return query


# --- procedures and relief reports -------------------------------------------------------------------------

class ProcedureFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    id: int
    episode_id: int
    procedure_key: str
    performed_on: date


class ReliefFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    measured_on: date
    percent: float
    lasted_days: int | None


def procedures_with_relief(session: Session, *, clinic_id: int, filters: Filters) -> list[tuple[ProcedureFact, list[ReliefFact]]]:
    """Procedures done in the period (and of the chosen procedure), each with its relief reports by date."""
    chosen = (select(PerformedProcedure.id)
              .where(PerformedProcedure.clinic_id == clinic_id,
                     PerformedProcedure.performed_on >= filters.period_from, PerformedProcedure.performed_on <= filters.period_to,
                     *admitted(PerformedProcedure.episode_id, clinic_id, filters)))
    if filters.procedure_id is not None:
        chosen = chosen.where(PerformedProcedure.procedure_key == filters.procedure_id)
    procedures = _rows(session,
        select(PerformedProcedure.id, PerformedProcedure.episode_id, PerformedProcedure.procedure_key, PerformedProcedure.performed_on)
        .where(chosen.whereclause))
    reports: dict[int, list[ReliefFact]] = defaultdict(list)
    for procedure_id, measured_on, percent, lasted in _rows(session,
            select(ProcedureRelief.procedure_id, ProcedureRelief.measured_on, ProcedureRelief.percent, ProcedureRelief.lasted_days)
            .where(ProcedureRelief.clinic_id == clinic_id, ProcedureRelief.procedure_id.in_(chosen))):
        reports[procedure_id].append(ReliefFact(measured_on, percent, lasted))
    return [(ProcedureFact(*row), reports.get(row[0], [])) for row in procedures]


# --- care plans, steps and instrument scores ---------------------------------------------------------------

class PlanFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    id: int
    episode_id: int
    pathway_id: str
    started_on: date
    ended_on: date | None


class StepFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    plan_id: int
    episode_id: int
    step_id: str
    started_on: date
    decided_on: date | None  # the day the step's outcome was decided: the end of its window


class ScoreFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    episode_id: int
    instrument_id: str
    on: date
    total: float


def plans_steps_scores(session: Session, *, clinic_id: int, filters: Filters, instrument_ids: tuple[str, ...],
                       calendar) -> tuple[list[PlanFact], list[StepFact], dict[int, list[ScoreFact]]]:  # noqa: ANN001
    """Care plans started in the period, their steps, and the episodes' scores on the given instruments."""
    chosen = (select(CarePlan.id).where(CarePlan.clinic_id == clinic_id, CarePlan.started_on >= filters.period_from,
                                        CarePlan.started_on <= filters.period_to,
                                        *admitted(CarePlan.episode_id, clinic_id, filters)))
    if filters.pathway_id is not None:
        chosen = chosen.where(CarePlan.pathway_id == filters.pathway_id)
    plans = [PlanFact(*row) for row in _rows(session,
        select(CarePlan.id, CarePlan.episode_id, CarePlan.pathway_id, CarePlan.started_on, CarePlan.ended_on)
        .where(chosen.whereclause))]
    cache: dict = {}
    steps = [StepFact(plan_id, episode_id, step_id, started_on, None if decided_at is None else remembered_local_date(calendar, decided_at, cache))
             for plan_id, episode_id, step_id, started_on, decided_at in _rows(session,
                 select(PlanStep.plan_id, PlanStep.episode_id, PlanStep.step_id, PlanStep.started_on, PlanStep.decided_at)
                 .where(PlanStep.clinic_id == clinic_id, PlanStep.plan_id.in_(chosen)))]
    episodes = select(CarePlan.episode_id).where(CarePlan.id.in_(chosen))
    return plans, steps, _scores(session, clinic_id=clinic_id, episodes=episodes, instrument_ids=instrument_ids, calendar=calendar)


def _scores(session: Session, *, clinic_id: int, episodes, instrument_ids: tuple[str, ...], calendar) -> dict[int, list[ScoreFact]]:  # noqa: ANN001
    scores: dict[int, list[ScoreFact]] = defaultdict(list)
    cache: dict = {}
    for episode_id, instrument_id, at, total in _rows(session,
            select(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id,
                   InstrumentAdministration.administered_at, InstrumentAdministration.total)
            .where(InstrumentAdministration.clinic_id == clinic_id, InstrumentAdministration.instrument_id.in_(instrument_ids),
                   InstrumentAdministration.episode_id.in_(episodes))
            .order_by(InstrumentAdministration.episode_id, InstrumentAdministration.administered_at, InstrumentAdministration.id)):
        if total is not None:
            scores[episode_id].append(ScoreFact(episode_id, instrument_id, remembered_local_date(calendar, at, cache), float(total)))
    return scores


# --- PT courses, visits and scores -------------------------------------------------------------------------

class CourseFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    id: int
    episode_id: int
    protocol_id: str
    start_date: date


def pt_courses_visits_scores(session: Session, *, clinic_id: int, filters: Filters, instrument_ids: tuple[str, ...],
                             calendar) -> tuple[list[CourseFact], dict[int, list[date]], dict[int, list[ScoreFact]]]:  # noqa: ANN001
    """PT courses started in the period, the PT visit notes of their episodes (dates), and the episodes' scores."""
    chosen = (select(PtCourse.id).where(PtCourse.clinic_id == clinic_id, PtCourse.start_date >= filters.period_from,
                                        PtCourse.start_date <= filters.period_to, PtCourse.status != "cancelled",
                                        *admitted(PtCourse.episode_id, clinic_id, filters)))
    courses = [CourseFact(*row) for row in _rows(session,
        select(PtCourse.id, PtCourse.episode_id, PtCourse.protocol_id, PtCourse.start_date)
        .where(chosen.whereclause))]
    episodes = select(PtCourse.episode_id).where(PtCourse.id.in_(chosen))
    visits: dict[int, list[date]] = defaultdict(list)
    for episode_id, on in _rows(session,
            select(Encounter.episode_id, Encounter.date_of_service)
            .where(Encounter.clinic_id == clinic_id, Encounter.encounter_type == "pt_visit", Encounter.addendum_of_id.is_(None),
                   Encounter.episode_id.in_(episodes))):
        visits[episode_id].append(on)
    return courses, visits, _scores(session, clinic_id=clinic_id, episodes=episodes, instrument_ids=instrument_ids, calendar=calendar)


# --- opioid tapers -----------------------------------------------------------------------------------------

class TaperFact(NamedTuple):  # a tuple: tens of thousands are made per figure
    id: int
    episode_id: int
    start_date: date
    original_mme: float
    status: str
    steps: tuple[tuple[int, date, float | None, date | None], ...]  # (number, due_on, daily_mme, done day) of kind "step"


def tapers_with_steps(session: Session, *, clinic_id: int, filters: Filters, calendar) -> list[TaperFact]:  # noqa: ANN001
    """Taper plans started in the period, each with its dose steps (follow-ups left out)."""
    chosen = (select(TaperPlan.id).where(TaperPlan.clinic_id == clinic_id, TaperPlan.start_date >= filters.period_from,
                                         TaperPlan.start_date <= filters.period_to,
                                         *admitted(TaperPlan.episode_id, clinic_id, filters)))
    steps: dict[int, list] = defaultdict(list)
    cache: dict = {}
    for plan_id, number, due_on, mme, done_at in _rows(session,
            select(TaperStep.plan_id, TaperStep.number, TaperStep.due_on, TaperStep.daily_mme, TaperStep.done_at)
            .where(TaperStep.clinic_id == clinic_id, TaperStep.kind == "step", TaperStep.plan_id.in_(chosen))):
        steps[plan_id].append((number, due_on, None if mme is None else float(mme), None if done_at is None else remembered_local_date(calendar, done_at, cache)))
    return [TaperFact(pid, episode_id, start, float(original), status, tuple(steps.get(pid, ())))
            for pid, episode_id, start, original, status in _rows(session,
                select(TaperPlan.id, TaperPlan.episode_id, TaperPlan.start_date, TaperPlan.original_mme, TaperPlan.status)
                .where(chosen.whereclause))]
