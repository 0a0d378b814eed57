"""A note belongs to its visit: which appointment a note may document, the note type a visit suggests, and the
visit a note's screen offers to complete. Appointments live in the intake slice; this reads them through its
services only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.core.audit import Actor
from painpath.core.errors import FieldProblem, InvalidInput, NotFound
from painpath.intake import service as intake
from painpath.intake import visits
from painpath.intake.models import Appointment

# Visits a note may be started from: a cancelled or rescheduled visit did not take place.
NOTABLE = frozenset({"booked", "checked_in", "completed"})


def check_appointment(session: Session, *, actor: Actor, episode_id: int, appointment_id: int) -> Appointment:
    """The appointment must be a visit of the same episode that took place (or is taking place)."""
    try:
        appointment = visits.get_appointment(session, actor.clinic_id, appointment_id)
    except NotFound:
        raise InvalidInput(FieldProblem("appointment_id", "exists", "No such visit in this clinic")) from None
    if appointment.episode_id != episode_id:
        raise InvalidInput(FieldProblem("appointment_id", "same_episode", "The visit belongs to another episode; choose one of this episode's visits"))
    if appointment.status not in NOTABLE:
        raise InvalidInput(FieldProblem("appointment_id", "visit_took_place", f"That visit was {appointment.status.replace('_', ' ')}; a note documents a visit that took place"))
    return appointment


def note_choices(session: Session, *, episode_id: int, local) -> list[tuple[str, str]]:  # noqa: ANN001
    """The episode's visits a new note may document, for the new-note form's select."""
    return [(str(a.id), f"{local(a.start_at):%d %b %Y %H:%M} · {a.visit_type.replace('_', ' ')}")
            for a in intake.appointments(session, episode_id=episode_id) if a.status in NOTABLE]


def visit_of(session: Session, *, clinic_id: int, appointment_id: int | None) -> Appointment | None:
    if appointment_id is None:
        return None
    try:
        return visits.get_appointment(session, clinic_id, appointment_id)
    except NotFound:
        return None


def complete_visit(session: Session, *, actor: Actor, appointment_id: int, version: int) -> Appointment:
    """Completing the visit from its note: the intake slice's lifecycle move, audited there."""
    return visits.complete(session, actor=actor, appointment_id=appointment_id, version=version)
