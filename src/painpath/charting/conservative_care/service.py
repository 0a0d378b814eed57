"""Conservative-care history use cases: record an entry, list an episode's, end one that was ongoing,
and read them in bulk for the criteria engine. Every write is audited in the same transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.conservative_care import rules
from painpath.charting.conservative_care.models import CareEntry
from painpath.charting.conservative_care.schemas import CareIn, EndIn
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.patients import service as patients

_FIELDS = ("kind", "start_date", "end_date", "description", "source", "drug_class", "failed")


def _today(calendar: BusinessCalendar) -> date:
    return calendar.local_date(utcnow())


def _audit(session: Session, actor: Actor, action: str, entry: CareEntry, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="conservative_care", object_id=entry.id, patient_id=entry.patient_id, detail=detail)


def get_entry(session: Session, *, clinic_id: int | None, entry_id: int) -> CareEntry:
    found = session.get(CareEntry, entry_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("conservative_care", entry_id)
    return found


def record_entry(session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: CareIn) -> CareEntry:
    """Record one stretch of conservative care on an episode; nothing is saved if any check fails."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    values = data.model_dump()
    problems = rules.care_problems(values, today=_today(calendar))
    if problems:
        raise InvalidInput(problems)
    entry = CareEntry(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id,
                      recorded_by_id=actor.user_id, recorded_at=utcnow(), **values)
    session.add(entry)
    session.flush()
    _audit(session, actor, "conservative_care.record", entry, kind=entry.kind, source=entry.source)
    return entry


def end_entry(session: Session, *, actor: Actor, calendar: BusinessCalendar, entry_id: int, data: EndIn) -> CareEntry:
    """Record the last day of care that was ongoing; refused (409) when someone saved it meanwhile."""
    entry = get_entry(session, clinic_id=actor.clinic_id, entry_id=entry_id)
    if entry.version != data.version:
        raise StaleWrite("conservative care entry", data.version, entry.version)
    if entry.end_date is not None:
        raise Conflict(FieldProblem("end_date", "ongoing", f"This care already ended on {entry.end_date:%d %b %Y}"))
    values = {**{name: getattr(entry, name) for name in _FIELDS}, "end_date": data.end_date, "failed": data.failed or entry.failed}
    problems = rules.care_problems(values, today=_today(calendar))
    if problems:
        raise InvalidInput(problems)
    entry.end_date, entry.failed = values["end_date"], values["failed"]
    session.flush()
    _audit(session, actor, "conservative_care.end", entry, failed=entry.failed)
    return entry


def list_entries(session: Session, *, actor: Actor, episode_id: int) -> list[CareEntry]:
    """An episode's entries, oldest first; audited as a chart read."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(CareEntry).where(CareEntry.episode_id == episode.id).order_by(CareEntry.start_date, CareEntry.id)))
