"""Encounter, functional-measure and exam use cases. Every change is audited in the same transaction.

A signed note is immutable here, not only in the API: update, sign, measures and exam all refuse a
signed encounter; corrections are addenda.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from painpath.charting import rules, visit_notes
from painpath.charting.models import Encounter, ExamFindings, FunctionalGoal, FunctionalMeasure
from painpath.charting.schemas import AddendumIn, EncounterIn, EncounterUpdate, ExamIn, MeasuresIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.roles import Permission, role_allows
from painpath.core.clock import utcnow
from painpath.core.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput, NotFound, StaleWrite
from painpath.patients import rules as patient_rules
from painpath.patients import service as patients


class NotTheSigner(DomainError):
    """Someone who may sign notes tried to sign a note that is neither theirs nor names them (403)."""

    status_code = 403


def _encounter(session: Session, clinic_id: int | None, encounter_id: int) -> Encounter:
    found = session.get(Encounter, encounter_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("encounter", encounter_id)
    return found


def _require_unsigned(encounter: Encounter) -> None:
    if encounter.status == "signed":
        raise Conflict(FieldProblem("status", "unsigned", "This note is signed and cannot be changed; write an addendum instead"))


def _check_date(value: date) -> None:
    if value > utcnow().date():
        raise InvalidInput(FieldProblem("date_of_service", "not_future", "Date of service cannot be in the future"))


def _check_cosigner(session: Session, clinic_id: int, cosigner_id: int | None) -> None:
    """A co-signer is someone here who may sign notes; anyone else could never use the right."""
    if cosigner_id is None:
        return
    user = session.get(User, cosigner_id)
    if user is None or user.clinic_id != clinic_id or not user.active or not role_allows(user.role, Permission.NOTE_SIGN):
        raise InvalidInput(FieldProblem("cosigner_id", "may_sign", f"User {cosigner_id} is not someone here who signs notes"))


def _audit(session: Session, actor: Actor, action: str, encounter: Encounter, detail: dict | None = None) -> None:
    audit.record(session, actor, action, object_type="encounter", object_id=encounter.id, patient_id=encounter.patient_id, detail=detail)


# Encounters ------------------------------------------------------------------------------------------

def create_encounter(session: Session, *, actor: Actor, episode_id: int, data: EncounterIn) -> Encounter:
    """Start an unsigned note on an episode, authored by the actor."""
    _check_date(data.date_of_service)
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    _check_cosigner(session, episode.clinic_id, data.cosigner_id)
    if data.appointment_id is not None:
        visit_notes.check_appointment(session, actor=actor, episode_id=episode.id, appointment_id=data.appointment_id)
    encounter = Encounter(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, author_id=actor.user_id,
        status="unsigned", **data.model_dump(),
    )
    session.add(encounter)
    session.flush()
    _audit(session, actor, "encounter.create", encounter, {"encounter_type": data.encounter_type})
    return encounter


def read_encounter(session: Session, *, actor: Actor, encounter_id: int) -> tuple[Encounter, list[Encounter]]:
    """A note and its addenda; the read is audited as a chart read of its episode."""
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    patients.read_episode(session, actor=actor, episode_id=encounter.episode_id)
    addenda = list(session.scalars(select(Encounter).where(Encounter.addendum_of_id == encounter.id).order_by(Encounter.created_at, Encounter.id)))
    return encounter, addenda


def list_encounters(session: Session, *, actor: Actor, episode_id: int) -> list[Encounter]:
    """An episode's notes and addenda, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    query = select(Encounter).where(Encounter.episode_id == episode.id)
    return list(session.scalars(query.order_by(Encounter.date_of_service, Encounter.created_at, Encounter.id)))


def update_encounter(session: Session, *, actor: Actor, encounter_id: int, data: EncounterUpdate) -> Encounter:
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    _require_unsigned(encounter)
    if encounter.version != data.version:
        raise StaleWrite("note", data.version, encounter.version)
    _check_date(data.date_of_service)
    values = data.model_dump(exclude={"version", "appointment_id"})  # the visit a note documents is set when it starts
    if "cosigner_id" in data.model_fields_set:
        _check_cosigner(session, encounter.clinic_id, data.cosigner_id)
    else:  # a form that does not show the co-signer leaves it as it was
        values.pop("cosigner_id")
    changed = sorted(name for name, value in values.items() if getattr(encounter, name) != value)
    for name in changed:
        setattr(encounter, name, values[name])
    session.flush()
    _audit(session, actor, "encounter.update", encounter, {"fields": changed})  # names only, never the text
    return encounter


def sign_encounter(session: Session, *, actor: Actor, encounter_id: int, version: int) -> Encounter:
    """Sign a note: from now on it is immutable. Needs NOTE_SIGN, and to be the author or the named co-signer."""
    if actor.role is None or actor.role == "system" or not role_allows(actor.role, Permission.NOTE_SIGN):
        raise Forbidden(Permission.NOTE_SIGN.value)
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    if actor.user_id is None or actor.user_id not in (encounter.author_id, encounter.cosigner_id):
        raise NotTheSigner(FieldProblem(
            "encounter_id", "author_or_cosigner",
            "Only the note's author or its named co-signer may sign it; ask them to sign, or write your own note"))
    _require_unsigned(encounter)
    if encounter.version != version:
        raise StaleWrite("note", version, encounter.version)
    encounter.status = "signed"
    encounter.signed_at = utcnow()
    encounter.signed_by_id = actor.user_id
    session.flush()
    _audit(session, actor, "encounter.sign", encounter)
    exam = exam_of(session, encounter_id=encounter.id)
    if exam is not None and exam.diagnosis_codes:  # a signed diagnosis joins the episode's problem list
        patients.add_diagnoses(session, actor=actor, episode_id=encounter.episode_id, codes=list(exam.diagnosis_codes),
                               source=f"note {encounter.id}")
    return encounter


def add_addendum(session: Session, *, actor: Actor, encounter_id: int, data: AddendumIn) -> Encounter:
    """A new unsigned note linked to a signed one, with its own author and time."""
    original = _encounter(session, actor.clinic_id, encounter_id)
    if original.status != "signed":
        raise Conflict(FieldProblem("status", "signed", "This note is not signed yet; edit it instead of adding an addendum"))
    on = data.date_of_service or utcnow().date()
    _check_date(on)
    addendum = Encounter(
        clinic_id=original.clinic_id, episode_id=original.episode_id, patient_id=original.patient_id,
        encounter_type=original.encounter_type, author_id=actor.user_id, date_of_service=on,
        # Whoever signed the note co-signs what others add to it (a nurse's addendum to the clinician's note).
        cosigner_id=original.signed_by_id if original.signed_by_id != actor.user_id else None,
        narrative=data.narrative, status="unsigned", addendum_of_id=original.id,
    )
    session.add(addendum)
    session.flush()
    _audit(session, actor, "encounter.addendum", addendum, {"addendum_of": original.id})
    return addendum


# Functional measures ---------------------------------------------------------------------------------

def record_measures(session: Session, *, actor: Actor, encounter_id: int, data: MeasuresIn) -> dict:
    """Record (or replace) an encounter's measures and goals. All checked first: nothing is half-saved."""
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    _require_unsigned(encounter)
    values = data.values()
    goals = [g.model_dump() for g in data.goals]
    problems = rules.measure_problems({**values, "lifting_side": data.lifting_side}, goals)
    if problems:
        raise InvalidInput(problems)
    session.execute(delete(FunctionalMeasure).where(FunctionalMeasure.encounter_id == encounter.id))
    session.execute(delete(FunctionalGoal).where(FunctionalGoal.encounter_id == encounter.id))
    now = utcnow()
    common = {"clinic_id": encounter.clinic_id, "encounter_id": encounter.id, "episode_id": encounter.episode_id}
    for name, value in values.items():
        row = FunctionalMeasure(**common, date_of_service=encounter.date_of_service, recorded_at=now, measure=name)
        if name in rules.NUMERIC:
            row.value_number = float(value)
            row.side = data.lifting_side if name == "lifting_limit_lb" else None
        elif name == "work_status":
            row.value_code = value
        else:
            row.value_list = list(value)
        session.add(row)
    for goal in data.goals:
        session.add(FunctionalGoal(
            **common, text=goal.text,
            target_measure=goal.target.measure if goal.target else None,
            target_value=float(goal.target.target) if goal.target else None,
        ))
    session.flush()
    _audit(session, actor, "encounter.measures", encounter, {"measures": sorted(values), "goals": len(goals)})
    return measures_of(session, encounter_id=encounter.id)


def _value(row: FunctionalMeasure) -> object:
    if row.measure in rules.NUMERIC:
        assert row.value_number is not None
        return int(row.value_number) if rules.NUMERIC[row.measure].integer else row.value_number
    return row.value_code if row.measure == "work_status" else row.value_list


def _goal(row: FunctionalGoal) -> dict:
    target = None
    if row.target_measure is not None:
        assert row.target_value is not None
        spec = rules.NUMERIC.get(row.target_measure)
        value = int(row.target_value) if spec and spec.integer else row.target_value
        target = {"measure": row.target_measure, "target": value}
    return {"text": row.text, "target": target}


def measures_of(session: Session, *, encounter_id: int) -> dict:
    """One encounter's measures in the MeasuresIn shape (only the values recorded), with its goals."""
    out: dict = {}
    for row in session.scalars(select(FunctionalMeasure).where(FunctionalMeasure.encounter_id == encounter_id)):
        out[row.measure] = _value(row)
        if row.side is not None:
            out["lifting_side"] = row.side
    goals = session.scalars(select(FunctionalGoal).where(FunctionalGoal.encounter_id == encounter_id).order_by(FunctionalGoal.id))
    out["goals"] = [_goal(g) for g in goals]
    return out


def latest_measures(session: Session, *, episode_id: int) -> dict:
    """Carry-forward: each measure's last recorded value on the episode (by date of service), and the
    goals of the last encounter that set any. A visit that skipped a measure does not blank it."""
    values: dict = {}
    as_of: dict[str, str] = {}
    rows = session.scalars(
        select(FunctionalMeasure).where(FunctionalMeasure.episode_id == episode_id)
        .order_by(FunctionalMeasure.date_of_service, FunctionalMeasure.recorded_at, FunctionalMeasure.id)
    )
    for row in rows:  # oldest first: later values overwrite earlier ones
        values[row.measure] = _value(row)
        if row.measure == "lifting_limit_lb":
            values["lifting_side"] = row.side
        as_of[row.measure] = row.date_of_service.isoformat()
    last_goal_encounter = session.scalar(
        select(FunctionalGoal.encounter_id).join(Encounter, Encounter.id == FunctionalGoal.encounter_id)
        .where(FunctionalGoal.episode_id == episode_id)
        .order_by(Encounter.date_of_service.desc(), Encounter.created_at.desc(), Encounter.id.desc()).limit(1)
    )
    goals = []
    if last_goal_encounter is not None:
        rows_g = session.scalars(select(FunctionalGoal).where(FunctionalGoal.encounter_id == last_goal_encounter).order_by(FunctionalGoal.id))
        goals = [_goal(g) for g in rows_g]
    return {"values": values, "as_of": as_of, "goals": goals}


def measure_series(session: Session, *, episode_id: int, measure: str) -> list[tuple[date, object]]:
    """[(date of service, value)] for one measure on an episode, in date order, for charts."""
    if measure not in rules.MEASURES:
        raise InvalidInput(FieldProblem("measure", "known_measure", f"{measure!r} is not a functional measure"))
    rows = session.scalars(
        select(FunctionalMeasure).where(FunctionalMeasure.episode_id == episode_id, FunctionalMeasure.measure == measure)
        .order_by(FunctionalMeasure.date_of_service, FunctionalMeasure.recorded_at, FunctionalMeasure.id)
    )
    return [(row.date_of_service, _value(row)) for row in rows]


# Exam ------------------------------------------------------------------------------------------------

def record_exam(session: Session, *, actor: Actor, encounter_id: int, data: ExamIn) -> ExamFindings:
    """Record (or replace) the encounter's structured exam and working diagnosis."""
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    _require_unsigned(encounter)
    findings = data.model_dump(mode="json", exclude={"diagnosis_codes", "reasoning"})
    problems = rules.exam_problems(findings) + patient_rules.icd10_problems(data.diagnosis_codes, field="diagnosis_codes")
    if problems:
        raise InvalidInput(problems)
    for key in ("motor_deficits", "sensory_deficits"):
        level_key = "level" if key == "motor_deficits" else "dermatome"
        for item in findings[key]:
            item[level_key] = item[level_key].upper()
    row = session.scalar(select(ExamFindings).where(ExamFindings.encounter_id == encounter.id))
    if row is None:
        row = ExamFindings(clinic_id=encounter.clinic_id, encounter_id=encounter.id, episode_id=encounter.episode_id)
        session.add(row)
    row.findings = findings
    row.diagnosis_codes = patient_rules.normalize_icd10(data.diagnosis_codes)
    row.reasoning = data.reasoning
    session.flush()
    _audit(session, actor, "encounter.exam", encounter, {"diagnosis_codes": len(data.diagnosis_codes)})
    return row


def exam_of(session: Session, *, encounter_id: int) -> ExamFindings | None:
    return session.scalar(select(ExamFindings).where(ExamFindings.encounter_id == encounter_id))


def exam_out(row: ExamFindings) -> dict:
    return {
        "encounter_id": row.encounter_id, "findings": row.findings, "diagnosis_codes": row.diagnosis_codes,
        "reasoning": row.reasoning, "si_positive_count": rules.si_positive_count(row.findings.get("si_tests", {})),
    }


def episode_of(session: Session, *, actor: Actor, encounter_id: int) -> int:
    """The episode an encounter belongs to (for routes that work per episode)."""
    return _encounter(session, actor.clinic_id, encounter_id).episode_id


# ---- Visit-note screen helpers (used by charting/pages.py) -------------------------------------------
# Added for the HTML note screen; the JSON API above does not need them.

from dataclasses import dataclass  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from sqlalchemy import func  # noqa: E402
from sqlalchemy.orm.attributes import flag_modified  # noqa: E402

if TYPE_CHECKING:
    from painpath.patients.models import Episode, Patient


@dataclass(frozen=True)
class NoteScreen:
    """Everything the note screen shows about where a note sits: its patient, episode, addenda, and
    (for an addendum) the signed note it amends."""

    patient: Patient
    episode: Episode
    encounter: Encounter
    addenda: list[Encounter]
    original: Encounter | None


def read_note_screen(session: Session, *, actor: Actor, encounter_id: int) -> NoteScreen:
    """A note with its episode and addenda; audited once as a chart read of its episode."""
    encounter = _encounter(session, actor.clinic_id, encounter_id)
    patient, episode = patients.read_episode(session, actor=actor, episode_id=encounter.episode_id)
    addenda = list(session.scalars(select(Encounter).where(Encounter.addendum_of_id == encounter.id).order_by(Encounter.created_at, Encounter.id)))
    original = _encounter(session, actor.clinic_id, encounter.addendum_of_id) if encounter.addendum_of_id else None
    return NoteScreen(patient=patient, episode=episode, encounter=encounter, addenda=addenda, original=original)


def episode_notes(session: Session, *, episode_id: int) -> list[tuple[Encounter, int]]:
    """An episode's notes (addenda apart), newest first, each with its number of addenda. Not audited:
    the caller shows them on an episode page whose read is already audited."""
    counts = dict(session.execute(
        select(Encounter.addendum_of_id, func.count()).where(Encounter.episode_id == episode_id, Encounter.addendum_of_id.is_not(None))
        .group_by(Encounter.addendum_of_id)
    ).all())
    notes = session.scalars(
        select(Encounter).where(Encounter.episode_id == episode_id, Encounter.addendum_of_id.is_(None))
        .order_by(Encounter.date_of_service.desc(), Encounter.created_at.desc(), Encounter.id.desc())
    )
    return [(note, counts.get(note.id, 0)) for note in notes]


def mark_saved(session: Session, *, encounter: Encounter, seen_version: int) -> None:
    """Give a save that changed only measures or exam (which live in their own tables) a new note
    version too, so a colleague's form loaded before it is refused as stale instead of overwriting it."""
    if encounter.version == seen_version:
        flag_modified(encounter, "updated_at")
        encounter.updated_at = utcnow()
        session.flush()


def encounter_for(session: Session, *, actor: Actor, encounter_id: int) -> Encounter:
    """One of the actor's clinic's encounters, without a chart-read audit (for a write that follows)."""
    return _encounter(session, actor.clinic_id, encounter_id)


# ---- Batch reads for other slices' rules (therapy's PT visits, plans' work status) -------------------
# One query per kind of fact for any number of episodes; not audited: rules read facts, no person reads a
# chart. The episode facts the criteria read come from episode_facts.py.

def pt_visit_dates_for_episodes(session: Session, episode_ids: list[int]) -> dict[int, list[date]]:
    """The dates of each episode's PT visit notes (signed or not, addenda apart), oldest first."""
    found: dict[int, list[date]] = {}
    if episode_ids:
        rows = session.execute(
            select(Encounter.episode_id, Encounter.date_of_service)
            .where(Encounter.episode_id.in_(episode_ids), Encounter.encounter_type == "pt_visit", Encounter.addendum_of_id.is_(None))
            .order_by(Encounter.episode_id, Encounter.date_of_service)
        )
        for episode_id, on in rows:
            found.setdefault(episode_id, []).append(on)
    return found


def work_status_for_episodes(session: Session, episode_ids: list[int]) -> dict[int, list[tuple[date, str]]]:
    """Each episode's recorded work status as (date of service, status), oldest first."""
    found: dict[int, list[tuple[date, str]]] = {}
    if episode_ids:
        rows = session.execute(
            select(FunctionalMeasure.episode_id, FunctionalMeasure.date_of_service, FunctionalMeasure.value_code)
            .where(FunctionalMeasure.episode_id.in_(episode_ids), FunctionalMeasure.measure == "work_status")
            .order_by(FunctionalMeasure.episode_id, FunctionalMeasure.date_of_service, FunctionalMeasure.recorded_at, FunctionalMeasure.id)
        )
        for episode_id, on, status in rows:
            found.setdefault(episode_id, []).append((on, str(status)))
    return found
