"""The patient's timeline of major events: record one on an episode, edit it, remove it, list the
patient's events. Every write is audited in the same transaction and checked against the version the
user saw; nothing is saved if any check fails."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.patient_events import rules
from painpath.charting.patient_events.models import PatientEvent
from painpath.charting.patient_events.schemas import EventIn, EventUpdate
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import InvalidInput, NotFound, StaleWrite
from painpath.patients import service as patients


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, event: PatientEvent) -> None:
    # Kind and date only: the description is the patient's own words and stays in the chart.
    audit.record(session, actor, action, object_type="patient_event", object_id=event.id, patient_id=event.patient_id,
                 detail={"kind": event.kind, "occurred_on": event.occurred_on.isoformat(), "precision": event.date_precision,
                         "origin": event.origin})


def _checked(data: EventIn, today: date) -> tuple[date, str]:
    """The event's first day and precision, or InvalidInput naming each wrong field."""
    problems = rules.event_problems(data.model_dump(), today=today)
    if problems:
        raise InvalidInput(problems)
    return rules.first_day(data.year, data.month, data.day), rules.precision_of(data.month, data.day)


def get_event(session: Session, *, clinic_id: int | None, event_id: int) -> PatientEvent:
    found = session.get(PatientEvent, event_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("patient_event", event_id)
    return found


def read_event(session: Session, *, actor: Actor, event_id: int) -> PatientEvent:
    """One event, through the chart of the episode it was recorded on (access checked and audited)."""
    event = get_event(session, clinic_id=actor.clinic_id, event_id=event_id)
    patients.read_episode(session, actor=actor, episode_id=event.episode_id)
    return event


def record_event(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: EventIn,
                 origin: str = "reported") -> PatientEvent:
    """Record one event of the patient's story on an episode."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    occurred_on, precision = _checked(data, _today(calendar))
    event = PatientEvent(clinic_id=episode.clinic_id, patient_id=patient.id, episode_id=episode.id, occurred_on=occurred_on,
                         date_precision=precision, kind=data.kind, description=data.description, origin=origin,
                         recorded_by_id=actor.user_id, recorded_at=utcnow())
    session.add(event)
    session.flush()
    _audit(session, actor, "patient_event.record", event)
    return event


def update_event(session: Session, *, actor: Actor, calendar: BusinessCalendar, event_id: int, data: EventUpdate) -> PatientEvent:
    """Correct an event; refused (409) when someone saved it after this user loaded it."""
    event = read_event(session, actor=actor, event_id=event_id)
    if event.version != data.version:
        raise StaleWrite("timeline event", data.version, event.version)
    event.occurred_on, event.date_precision = _checked(data, _today(calendar))
    event.kind, event.description = data.kind, data.description
    session.flush()
    _audit(session, actor, "patient_event.update", event)
    return event


def remove_event(session: Session, *, actor: Actor, event_id: int, version: int) -> int:
    """Remove an event recorded by mistake; refused (409) when someone changed it meanwhile. Returns its episode."""
    event = read_event(session, actor=actor, event_id=event_id)
    if event.version != version:
        raise StaleWrite("timeline event", version, event.version)
    _audit(session, actor, "patient_event.remove", event)
    session.delete(event)
    session.flush()
    return event.episode_id


def events_of_patient(session: Session, *, patient_id: int) -> list[PatientEvent]:
    """The patient's events in date order (the caller has already opened the chart: timeline, packets)."""
    rows = session.scalars(select(PatientEvent).where(PatientEvent.patient_id == patient_id))
    return sorted(rows, key=lambda e: rules.sort_key(e.occurred_on, e.date_precision, e.id))


def list_events(session: Session, *, actor: Actor, episode_id: int) -> list[PatientEvent]:
    """The events of the episode's patient, in date order; audited as a chart read."""
    patient, _episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return events_of_patient(session, patient_id=patient.id)
