"""Visit lifecycle use cases: check in, complete, no-show, cancel (with a reason) and reschedule (the old
visit marked rescheduled and linked to a new booking). Every move is audited and checks the version."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in, memoized
from painpath.core.errors import Conflict, FieldProblem, NotFound, StaleWrite
from painpath.intake import service, visit_rules
from painpath.intake.models import Appointment, Triage
from painpath.intake.schemas import AppointmentIn
from painpath.patients import service as patients


def get_appointment(session: Session, clinic_id: int, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.clinic_id != clinic_id:
        raise NotFound("appointment", appointment_id)
    return appointment


def _move(session: Session, actor: Actor, appointment_id: int, version: int, action: str) -> Appointment:
    """Load, check the version and the lifecycle rule, and set the new status (the caller stamps the time)."""
    appointment = get_appointment(session, actor.clinic_id, appointment_id)
    if appointment.version != version:
        raise StaleWrite("appointment", version, appointment.version)
    refused = visit_rules.refusal(action, appointment.status)
    if refused is not None:
        raise Conflict(FieldProblem("status", f"{action}_allowed", refused))
    appointment.status = visit_rules.TRANSITIONS[action][1]
    return appointment


def _done(session: Session, actor: Actor, appointment: Appointment, action: str, **detail) -> Appointment:
    session.flush()
    audit.record(session, actor, f"appointment.{action}", object_type="appointment", object_id=appointment.id,
                 patient_id=appointment.patient_id, detail={"status": appointment.status, **detail})
    return appointment


def check_in(session: Session, *, actor: Actor, appointment_id: int, version: int) -> Appointment:
    appointment = _move(session, actor, appointment_id, version, "check_in")
    appointment.checked_in_at = utcnow()
    return _done(session, actor, appointment, "check_in")


def complete(session: Session, *, actor: Actor, appointment_id: int, version: int) -> Appointment:
    appointment = _move(session, actor, appointment_id, version, "complete")
    now = utcnow()
    appointment.checked_in_at = appointment.checked_in_at or now  # completed means the patient came
    appointment.completed_at = now
    return _done(session, actor, appointment, "complete")


def no_show(session: Session, *, actor: Actor, appointment_id: int, version: int) -> Appointment:
    appointment = _move(session, actor, appointment_id, version, "no_show")
    now = utcnow()
    if now < appointment.start_at:
        raise Conflict(FieldProblem("status", "no_show_after_start", "A visit can be marked a no-show only after its start time"))
    appointment.no_show_at = now
    _release_first_visit(session, actor, appointment)
    return _done(session, actor, appointment, "no_show")


def cancel(session: Session, *, actor: Actor, appointment_id: int, version: int, reason: str) -> Appointment:
    appointment = _move(session, actor, appointment_id, version, "cancel")
    appointment.cancelled_at = utcnow()
    appointment.cancel_reason = reason
    _release_first_visit(session, actor, appointment)
    return _done(session, actor, appointment, "cancel", reason=reason)


def reschedule(session: Session, *, actor: Actor, calendar: BusinessCalendar, appointment_id: int, version: int,
               start_at) -> tuple[Appointment, Appointment]:
    """The old visit becomes rescheduled and points at a new booking of the same kind at `start_at`."""
    old = _move(session, actor, appointment_id, version, "reschedule")
    _release_first_visit(session, actor, old)  # the new booking records the first visit's new time
    data = AppointmentIn(visit_type=old.visit_type, provider_type=old.provider_type, provider_id=old.provider_id,
                         location_id=old.location_id, start_at=start_at, duration_minutes=old.duration_minutes,
                         modality=old.modality, reason=old.reason)
    new = service.book_appointment(session, actor=actor, calendar=calendar, episode_id=old.episode_id, data=data)
    old.rescheduled_to_id = new.id
    _done(session, actor, old, "reschedule", new_appointment_id=new.id)
    return old, new


def _release_first_visit(session: Session, actor: Actor, appointment: Appointment) -> None:
    """A first visit that will not happen: the episode's booked-first-visit record is cleared if no other is booked."""
    if appointment.visit_type not in visit_rules.FIRST_VISIT_TYPES:
        return
    session.flush()
    remaining = session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.episode_id == appointment.episode_id, Appointment.status.in_(("booked", "checked_in", "completed")),
        Appointment.visit_type.in_(visit_rules.FIRST_VISIT_TYPES)))
    if not remaining:
        patients.clear_first_visit_booking(session, actor=actor, episode_id=appointment.episode_id)


def first_visit_facts(session: Session, *, episode_ids: list[int] | None) -> list[visit_rules.FirstVisitFacts]:
    """Each episode's visits and unacknowledged emergent decision, for the first-visit and no-show rules (read
    once per provider pass, core.db.read_memo, though both providers ask)."""
    key = ("intake.first_visit_facts", None if episode_ids is None else tuple(episode_ids))
    return memoized(session, key, lambda: _first_visit_facts(session, episode_ids))


def _first_visit_facts(session: Session, episode_ids: list[int] | None) -> list[visit_rules.FirstVisitFacts]:
    episodes = patients.episode_facts(session, episode_ids=episode_ids)
    if not episodes:
        return []
    ids = [e.episode_id for e in episodes]
    visits: dict[int, list[visit_rules.VisitFacts]] = {}
    for a in session.execute(select(  # columns, not entities: plain facts for every episode of the sweep
        Appointment.id, Appointment.episode_id, Appointment.visit_type, Appointment.status, Appointment.start_at,
        Appointment.booked_at, Appointment.checked_in_at, Appointment.completed_at, Appointment.no_show_at,
    ).where(ids_in(session, Appointment.episode_id, ids))):
        visits.setdefault(a.episode_id, []).append(visit_rules.VisitFacts(
            appointment_id=a.id, visit_type=a.visit_type, status=a.status, start_at=a.start_at, booked_at=a.booked_at,
            checked_in_at=a.checked_in_at, completed_at=a.completed_at, no_show_at=a.no_show_at))
    stops: dict[int, tuple] = {}
    for row in session.scalars(select(Triage).where(ids_in(session, Triage.episode_id, ids), Triage.urgency == "emergent",
                                                    Triage.acknowledged_at.is_(None)).order_by(Triage.decided_at)):
        stops.setdefault(row.episode_id, (row.decided_at, "; ".join(row.reasons)))
    return [visit_rules.FirstVisitFacts(
        episode_id=e.episode_id, patient_id=e.patient_id, clinic_id=e.clinic_id, status=e.status, opened_at=e.opened_at,
        visits=tuple(visits.get(e.episode_id, ())), hard_stop=stops.get(e.episode_id),
    ) for e in episodes]
