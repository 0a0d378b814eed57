"""The patient's history: read it (for a chart, or for the episode page), and record it as it should now
read. One row per patient, so every episode and every visit sees the same history; each save is checked
against the version the editor loaded (a second editor gets a conflict, nothing is overwritten) and
audited in the same transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.history import rules
from painpath.charting.history.models import PatientHistory
from painpath.charting.history.schemas import HistoryIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.patients import service as patients
from painpath.patients.models import Patient
from painpath.worklist.review_state import mark_for_review

FIELDS = tuple(name for name in HistoryIn.model_fields if name != "version")


def _history(session: Session, patient: Patient) -> PatientHistory | None:
    return session.scalars(select(PatientHistory).where(PatientHistory.patient_id == patient.id)).one_or_none()


def history_of_shown_chart(session: Session, *, patient: Patient) -> PatientHistory | None:
    """The history of a patient whose chart the page already read (and audited): the visit-note page."""
    return _history(session, patient)


def read_history(session: Session, *, actor: Actor, patient_id: int) -> PatientHistory | None:
    """The patient's history, or None when nothing is recorded yet; audited as a chart read."""
    patient, _coverages, _episodes = patients.read_chart(session, actor=actor, patient_id=patient_id)
    return _history(session, patient)


def history_of_episode(session: Session, *, actor: Actor, episode_id: int) -> tuple[Patient, PatientHistory | None]:
    """The history of the episode's patient, for the episode page; audited as a chart read."""
    patient, _episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return patient, _history(session, patient)


def record_history(session: Session, *, actor: Actor, calendar: BusinessCalendar, patient_id: int, data: HistoryIn) -> PatientHistory:
    """Save the history as `data` says it now reads; nothing is saved if any check fails."""
    patient, _coverages, episodes = patients.read_chart(session, actor=actor, patient_id=patient_id)
    values = data.model_dump(include=set(FIELDS))
    problems = rules.history_problems(values, today=calendar.local_date(utcnow()))
    if problems:
        raise InvalidInput(problems)
    history = _history(session, patient)
    _check_version(history, data.version)
    if history is None:
        history = PatientHistory(clinic_id=patient.clinic_id, patient_id=patient.id)
        session.add(history)
        changed = [name for name in FIELDS if values[name] not in (None, "", [], "unknown")]
    else:
        changed = [name for name in FIELDS if getattr(history, name) != values[name]]
    for name in FIELDS:
        setattr(history, name, values[name])
    history.updated_by_id, history.changed_at = actor.user_id, utcnow()
    session.flush()
    audit.record(session, actor, "patient_history.record", object_type="patient_history", object_id=history.id,
                 patient_id=patient.id, detail={"changed": changed, "version": history.version})
    # The history belongs to the patient, not to one episode: every open episode's criteria may read it.
    mark_for_review(session, [e.id for e in episodes if e.status == "open"], utcnow())
    return history


def _check_version(history: PatientHistory | None, version: int | None) -> None:
    if history is None and version is not None:
        raise InvalidInput(FieldProblem("version", "none_recorded", "No history is recorded for this patient yet; leave the version empty"))
    if history is not None and version is None:
        raise Conflict(FieldProblem("version", "current_version", "Someone recorded this patient's history while you were "
                                    f"entering it (it is now version {history.version}). Reload it and apply your change again."))
    if history is not None and history.version != version:
        raise StaleWrite("patient history", version or 0, history.version)



def record_for_episode(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: HistoryIn) -> PatientHistory:
    """The episode page's save: the history of the episode's patient."""
    patient, _episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return record_history(session, actor=actor, calendar=calendar, patient_id=patient.id, data=data)
