"""Performed-procedure use cases: record a procedure, add relief reports, list them, and read them in
bulk for the criteria engine. Every write is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import service as charting
from painpath.charting.procedures import rules
from painpath.charting.procedures.models import PerformedProcedure, ProcedureRelief
from painpath.charting.procedures.schemas import ProcedureIn, ReliefIn, ReliefOut
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import FieldProblem, InvalidInput, NotFound
from painpath.patients import service as patients

WithRelief = tuple[PerformedProcedure, list[ProcedureRelief]]


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def get_procedure(session: Session, *, clinic_id: int | None, procedure_id: int) -> PerformedProcedure:
    found = session.get(PerformedProcedure, procedure_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("procedure", procedure_id)
    return found


def _encounter_problems(session: Session, actor: Actor, encounter_id: int | None, episode_id: int) -> list[FieldProblem]:
    """The procedure note, when linked, must be a note of this episode."""
    if encounter_id is None:
        return []
    try:
        note_episode = charting.episode_of(session, actor=actor, encounter_id=encounter_id)
    except NotFound:
        return [FieldProblem("encounter_id", "exists", f"No note with id {encounter_id}")]
    if note_episode != episode_id:
        return [FieldProblem("encounter_id", "same_episode", "That note belongs to another episode")]
    return []


def _performer_problems(session: Session, actor: Actor, performed_by_id: int | None) -> list[FieldProblem]:
    """The performing clinician, when named, must be a clinician of this clinic."""
    if performed_by_id is None:
        return []
    user = session.get(User, performed_by_id)
    if user is None or user.clinic_id != actor.clinic_id or user.role != "clinician":
        return [FieldProblem("performed_by_id", "clinician", "Choose a clinician of this clinic")]
    return []


def record_procedure(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar,
                     episode_id: int, data: ProcedureIn) -> PerformedProcedure:
    """Record a procedure done on the episode; everything is checked before anything is saved."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    procedure = knowledge.procedures.get(data.procedure_key)
    problems = rules.procedure_problems(values, procedure, today=_today(calendar))
    problems += _encounter_problems(session, actor, data.encounter_id, episode.id)
    problems += _performer_problems(session, actor, data.performed_by_id)
    if problems:
        raise InvalidInput(problems)
    assert procedure is not None  # procedure_problems refuses an unknown key
    row = PerformedProcedure(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id,
        procedure_key=procedure.id, procedure_name=procedure.name, cpt_codes=list(data.cpt_codes),
        region=procedure.region if procedure.region != "any" else data.region, side=data.side,
        levels=[rules.canonical_level(level) for level in data.levels], performed_on=data.performed_on,
        diagnostic=procedure.diagnostic or data.diagnostic, baseline_pain=data.baseline_pain, baseline_scale=data.baseline_scale,
        encounter_id=data.encounter_id, spacing_exception=data.spacing_exception or None,
        performed_by_id=data.performed_by_id, recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "procedure.record", object_type="performed_procedure", object_id=row.id, patient_id=patient.id,
                 detail={"procedure": row.procedure_key, "levels": len(row.levels)})
    return row


def add_relief(session: Session, *, actor: Actor, calendar: BusinessCalendar, procedure_id: int, data: ReliefIn) -> ProcedureRelief:
    """Add one relief report. A report on another scale than the baseline is stored (payers judge it),
    and the answer says so (`relief_out`)."""
    procedure = get_procedure(session, clinic_id=actor.clinic_id, procedure_id=procedure_id)
    values = data.model_dump()
    problems = rules.relief_problems(values, performed_on=procedure.performed_on, baseline_pain=procedure.baseline_pain,
                                     today=_today(calendar))
    if problems:
        raise InvalidInput(problems)
    if data.pain_score is not None:
        assert procedure.baseline_pain is not None
        method, percent = "pain_score", rules.percent_relief(procedure.baseline_pain, data.pain_score)
    else:
        assert data.percent is not None
        method, percent = "percent", float(data.percent)
    row = ProcedureRelief(
        clinic_id=procedure.clinic_id, procedure_id=procedure.id, episode_id=procedure.episode_id,
        measured_on=data.measured_on, method=method, percent=percent, pain_score=data.pain_score, scale=data.scale,
        hours_after=data.hours_after, lasted_days=data.lasted_days, function_change=data.function_change,
        regained=data.regained or None, recorded_by_id=actor.user_id, recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "procedure.relief", object_type="procedure_relief", object_id=row.id, patient_id=procedure.patient_id,
                 detail={"procedure_id": procedure.id, "method": method, "same_scale": procedure.baseline_scale == data.scale})
    return row


def relief_out(row: ProcedureRelief, procedure: PerformedProcedure) -> ReliefOut:
    same = None if procedure.baseline_scale is None else row.scale == procedure.baseline_scale
    warnings = rules.relief_warnings(scale=row.scale, baseline_scale=procedure.baseline_scale, percent=row.percent,
                                     method=row.method, pain_score=row.pain_score, baseline_pain=procedure.baseline_pain)
    return ReliefOut.model_validate(row).model_copy(update={"same_scale_as_baseline": same, "warnings": warnings})


def _reliefs(session: Session, procedure_ids: Sequence[int]) -> dict[int, list[ProcedureRelief]]:
    found: dict[int, list[ProcedureRelief]] = {}
    if procedure_ids:
        rows = session.scalars(select(ProcedureRelief).where(ProcedureRelief.procedure_id.in_(procedure_ids))
                               .order_by(ProcedureRelief.measured_on, ProcedureRelief.id))
        for row in rows:
            found.setdefault(row.procedure_id, []).append(row)
    return found


def list_procedures(session: Session, *, actor: Actor, episode_id: int) -> list[WithRelief]:
    """An episode's procedures, oldest first, each with its relief reports; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    rows = list(session.scalars(select(PerformedProcedure).where(PerformedProcedure.episode_id == episode.id)
                                .order_by(PerformedProcedure.performed_on, PerformedProcedure.id)))
    reliefs = _reliefs(session, [r.id for r in rows])
    return [(r, reliefs.get(r.id, [])) for r in rows]


def with_relief(session: Session, procedure: PerformedProcedure) -> WithRelief:
    """One procedure with its relief reports (for the API answer after a write)."""
    return procedure, _reliefs(session, [procedure.id]).get(procedure.id, [])


# ---- Batch reads for the criteria engine ----------------------------------------------------------
# Not audited: the engine reads facts to compute obligations, no person is looking at a chart.

def procedures_for_episodes(session: Session, episode_ids: Sequence[int]) -> dict[int, list[WithRelief]]:
    """Every procedure of these episodes with its relief reports, oldest first: one query for all."""
    if not episode_ids:
        return {}
    query = (
        select(PerformedProcedure, ProcedureRelief)
        .outerjoin(ProcedureRelief, ProcedureRelief.procedure_id == PerformedProcedure.id)
        .where(ids_in(session, PerformedProcedure.episode_id, list(episode_ids)))
        .order_by(PerformedProcedure.episode_id, PerformedProcedure.performed_on, PerformedProcedure.id,
                  ProcedureRelief.measured_on, ProcedureRelief.id)
    )
    found: dict[int, list[WithRelief]] = {}
    last: dict[int, WithRelief] = {}
    for procedure, relief in session.execute(query):
        entry = last.get(procedure.id)
        if entry is None:
            entry = last[procedure.id] = (procedure, [])
            found.setdefault(procedure.episode_id, []).append(entry)
        if relief is not None:
            entry[1].append(relief)
    return found
