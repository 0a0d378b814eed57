"""The check-in schedule's inputs, read as plain rows: one batch reader for any number of episodes.

The check-ins provider (a sweep over the clinic) and the outcomes dashboard's check-in adherence (every open
episode of a 20,000-episode clinic) both need each episode's dated facts. They are read here column by column
through the session's connection: no ORM entity, identity map or attribute instrumentation per row, and the
episodes are named by a subquery, never a list of ids (a list of 20,000 is 20,000 bound parameters). The rows
become `rules` facts; `rules.schedule` stays pure.

Facts are read from the other slices' tables read-only (checkins sits above them and writes none of them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from painpath.charting.instruments.models import InstrumentAdministration
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.charting.procedures.timeline import describe
from painpath.checkins import rules
from painpath.checkins.models import CheckinRecord
from painpath.core.clock import BusinessCalendar, remembered_local_date
from painpath.core.db import ids_in
from painpath.medications.tapers.models import TaperPlan, TaperStep
from painpath.patients.models import Episode
from painpath.plans.models import CarePlan, PlanStep
from painpath.therapy.models import PtCourse


def open_episodes(session: Session, *, clinic_id: int, episode_ids: Sequence[int]) -> Select:
    """The open episodes of the clinic among `episode_ids`, as the (id, clinic_id, patient_id) rows `read` takes."""
    return (select(Episode.id, Episode.clinic_id, Episode.patient_id)
            .where(ids_in(session, Episode.id, list(episode_ids)), Episode.clinic_id == clinic_id, Episode.status == "open")
            .order_by(Episode.id))


class _Procedure(NamedTuple):  # the columns `describe` reads, with the procedure's own
    id: int
    episode_id: int
    procedure_key: str
    procedure_name: str
    levels: list
    side: str
    performed_on: date


# A check-in key's first part names the kind of fact that caused it (rules.plan_*): "procedure:12:1", "pt:5:2",
# "taper:3:1", "scores:41:ndi:3".
FAMILIES = frozenset({"procedure", "pt", "taper", "scores"})
_LISTED = 200  # up to this many episodes (a review chunk, worklist/review.py CHUNK) are named by ids in the fact reads, more by the episodes' subquery
_IDS = bindparam("checkin_episode_ids", expanding=True)
_BUILT: dict[str, Select] = {}  # each read's statement for listed episodes, built once (the ids bound at execution)


def family_of(key: str) -> str | None:
    """The kind of fact a check-in key derives from, or None for a key no fact could cause."""
    family = key.split(":", 1)[0]
    return family if family in FAMILIES else None


def read(session: Session, *, episodes: Select, knowledge, calendar: BusinessCalendar,  # noqa: ANN001
         only: str | None = None) -> dict[int, rules.EpisodeFacts]:
    """Each episode's check-in facts: `episodes` selects (id, clinic_id, patient_id) of the episodes wanted;
    seven statements whatever their number. `only` (a FAMILIES member) reads just that kind of fact and the
    records: enough to plan and resolve the check-ins of that kind (one check-in's state depends on its own
    fact, its record and, for weekly scores, the questionnaires answered), for an action on one check-in."""
    # The first read goes through the session, so what the caller added and not yet flushed is written first (the
    # provider runs inside the transaction that recorded a fact); the rest run on its connection as plain rows.
    owners = {episode_id: rules.Owner(clinic_id, episode_id, patient_id) for episode_id, clinic_id, patient_id in session.execute(episodes).all()}
    connection = session.connection()
    if not owners:
        return {}
    # A few episodes (one check-in's action, a patient's page, a review chunk) are named by their ids, bound as one
    # expanding parameter in statements built once (_BUILT): cheaper to run than the subquery, which a clinic-wide
    # read needs instead, and nothing to build or cache-key per read.
    if len(owners) <= _LISTED:
        bound = {_IDS.key: sorted(owners)}

        def run(name: str, build: Callable) -> list:  # all rows in one fetch (iterating a result fetches row by row)
            statement = _BUILT.get(name)
            if statement is None:
                statement = _BUILT[name] = build(_IDS)
            return connection.execute(statement, bound).all()
    else:
        wanted = select(episodes.subquery().c[0])

        def run(_name: str, build: Callable) -> list:
            return connection.execute(build(wanted)).all()
    parts: dict[int, dict[str, list]] = {i: {"procedures": [], "pt_courses": [], "tapers": [], "score_steps": [], "scores": [],
                                             "records": []} for i in owners}
    if only in (None, "procedure"):
        _procedures(run, knowledge, owners, parts)
    if only in (None, "pt"):
        for course_id, episode_id, start_date, weeks, status, ended_on in run("pt_courses", lambda wanted: (
                select(PtCourse.id, PtCourse.episode_id, PtCourse.start_date, PtCourse.duration_weeks, PtCourse.status, PtCourse.ended_on)
                .where(PtCourse.episode_id.in_(wanted)).order_by(PtCourse.id))):
            parts[episode_id]["pt_courses"].append(rules.PtCourseFact(
                id=course_id, owner=owners[episode_id], start_date=start_date, duration_weeks=weeks, status=status, ended_on=ended_on))
    if only in (None, "taper"):
        _tapers(run, owners, parts)
    if only in (None, "scores"):
        _scores(run, knowledge, calendar, owners, parts)
    c = CheckinRecord
    for row in run("records", lambda wanted: select(
            c.episode_id, c.key, c.id, c.done_on, c.done_at, c.booked_at, c.rescheduled_to, c.cancelled_at, c.updated_at,
            c.red_flags, c.red_flags_words, c.red_flags_reviewed_at).where(c.episode_id.in_(wanted))):
        parts[row[0]]["records"].append(rules.RecordFact(
            key=row[1], id=row[2], done_on=row[3], done_at=row[4], booked_at=row[5], rescheduled_to=row[6], cancelled_at=row[7],
            changed_at=row[8], red_flags=bool(row[9]), red_flags_words=row[10], red_flags_reviewed_at=row[11]))
    return {i: rules.EpisodeFacts(**p) for i, p in parts.items()}


def _scores(run, knowledge, calendar: BusinessCalendar, owners: dict, parts: dict) -> None:  # noqa: ANN001
    """Plan steps measured by questionnaires, and the questionnaires answered."""
    measured: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for step_id, episode_id, pathway_step, started_on, trial_ends_on, status, pathway_id in run("score_steps", lambda wanted: (
            select(PlanStep.id, PlanStep.episode_id, PlanStep.step_id, PlanStep.started_on, PlanStep.trial_ends_on, PlanStep.status,
                   CarePlan.pathway_id).join(CarePlan, CarePlan.id == PlanStep.plan_id)
            .where(PlanStep.episode_id.in_(wanted)).order_by(PlanStep.id))):
        key = (pathway_id, pathway_step)
        if key not in measured:  # thousands of steps share a handful of pathway steps
            measured[key] = score_instruments(knowledge, pathway_id, pathway_step)
        if measured[key]:
            parts[episode_id]["score_steps"].append(rules.ScoreStepFact(
                id=step_id, owner=owners[episode_id], started_on=started_on, trial_ends_on=trial_ends_on,
                instruments=measured[key], status=status))
    days: dict[tuple, date] = {}
    for episode_id, instrument_id, at in run("scores", lambda wanted: (
            select(InstrumentAdministration.episode_id, InstrumentAdministration.instrument_id, InstrumentAdministration.administered_at)
            .where(InstrumentAdministration.episode_id.in_(wanted))
            .order_by(InstrumentAdministration.episode_id, InstrumentAdministration.administered_at, InstrumentAdministration.id))):
        parts[episode_id]["scores"].append((instrument_id, remembered_local_date(calendar, at, days)))


def _procedures(run, knowledge, owners: dict, parts: dict) -> None:  # noqa: ANN001
    """Performed procedures whose pack entry asks relief checks, each with the days of its relief reports."""
    p = PerformedProcedure
    procedures = [_Procedure(*row) for row in run("procedures", lambda wanted: (
        select(p.id, p.episode_id, p.procedure_key, p.procedure_name, p.levels, p.side, p.performed_on)
        .where(p.episode_id.in_(wanted)).order_by(p.episode_id, p.performed_on, p.id)))]
    reliefs: dict[int, list[date]] = {}
    for procedure_id, measured_on in run("reliefs", lambda wanted: (
            select(ProcedureRelief.procedure_id, ProcedureRelief.measured_on).join(p, p.id == ProcedureRelief.procedure_id)
            .where(p.episode_id.in_(wanted)).order_by(ProcedureRelief.procedure_id, ProcedureRelief.measured_on, ProcedureRelief.id))):
        reliefs.setdefault(procedure_id, []).append(measured_on)
    windows: dict[str, list | None] = {}
    for procedure in procedures:
        key = procedure.procedure_key
        if key not in windows:
            pack = knowledge.procedures.get(key)
            windows[key] = [(c.name, *c.days()) for c in pack.relief_checks] if pack is not None and pack.relief_checks else None
        if windows[key] is None:
            continue
        parts[procedure.episode_id]["procedures"].append(rules.ProcedureFact(
            id=procedure.id, owner=owners[procedure.episode_id], name=describe(procedure), performed_on=procedure.performed_on,
            windows=windows[key], reliefs_on=reliefs.get(procedure.id, [])))


def _tapers(run, owners: dict, parts: dict) -> None:  # noqa: ANN001
    plans = list(run("tapers", lambda wanted: select(TaperPlan.id, TaperPlan.episode_id, TaperPlan.start_date, TaperPlan.status)
                     .where(TaperPlan.episode_id.in_(wanted)).order_by(TaperPlan.id)))
    steps: dict[int, list[tuple[str, date]]] = {}
    if plans:
        for plan_id, kind, due_on in run("taper_steps", lambda wanted: select(TaperStep.plan_id, TaperStep.kind, TaperStep.due_on)
                                         .join(TaperPlan, TaperPlan.id == TaperStep.plan_id)
                                         .where(TaperPlan.episode_id.in_(wanted)).order_by(TaperStep.due_on)):
            steps.setdefault(plan_id, []).append((kind, due_on))
    for plan_id, episode_id, start_date, status in plans:
        rows = steps.get(plan_id, [])
        dose_days = [due for kind, due in rows if kind == "step"]
        parts[episode_id]["tapers"].append(rules.TaperFact(
            id=plan_id, owner=owners[episode_id], start_date=start_date, last_step_on=max(dose_days) if dose_days else None,
            # Every dated contact after the start: each monthly dose step is a call about the new dose, and the
            # follow-up rows carry the month after the last step (tapers/rules.py _follow_ups: at least monthly).
            follow_ups=sorted({due for kind, due in rows if kind == "follow_up" or due > start_date}), status=status))


def score_instruments(knowledge, pathway_id: str, step_id: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """The questionnaires (instrument id, name) that measure a pathway step's success; [] for none."""
    pathway = knowledge.pathways.get(pathway_id)
    if pathway is None:
        return []
    try:
        step = pathway.step(step_id)
    except KeyError:
        return []
    success = getattr(step, "success", None)
    found: list[tuple[str, str]] = []
    for measure in getattr(success, "measures", None) or []:
        if getattr(measure, "type", None) == "instrument_change":
            instrument = knowledge.instruments.get(measure.instrument)
            name = instrument.name if instrument is not None else measure.instrument.upper()
            if (measure.instrument, name) not in found:
                found.append((measure.instrument, name))
    return found
