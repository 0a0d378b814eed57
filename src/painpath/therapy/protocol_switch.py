"""Switching a PT course to another protocol when the plan pivots (J3: lumbar work becomes hip work).

The course carries on with its therapist, visits and authorization: a payer authorizes PT visits, not a
protocol. The goals become the new protocol's, the change is kept with its reason (shown on the course and
the timeline), and the prescription is marked unsent so the practice receives the new one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.therapy.models import PtProtocolChange
from painpath.therapy.schemas import ProtocolSwitchIn
from painpath.therapy.service import get_course


def switch_protocol(session: Session, *, actor: Actor, knowledge, course_id: int, data: ProtocolSwitchIn) -> PtProtocolChange:  # noqa: ANN001
    """Move an active course to `data.protocol_id`, keeping why; audited."""
    _patient, _episode, course = get_course(session, actor=actor, course_id=course_id)
    if course.version != data.version:
        raise StaleWrite("PT course", data.version, course.version)
    if course.status != "active":
        raise Conflict(FieldProblem("protocol_id", "active_course", f"This course is {course.status}; start a new course instead"))
    protocol = knowledge.pt_protocols.get(data.protocol_id)
    if protocol is None:
        raise InvalidInput(FieldProblem("protocol_id", "known_protocol", f"{data.protocol_id!r} is not a PT protocol"))
    if protocol.id == course.protocol_id:
        raise InvalidInput(FieldProblem("protocol_id", "different_protocol", "The course already follows this protocol"))
    if data.changed_on < course.start_date:
        raise InvalidInput(FieldProblem("changed_on", "after_course_start", "The switch cannot be dated before the course started"))
    change = PtProtocolChange(
        clinic_id=course.clinic_id, course_id=course.id, episode_id=course.episode_id, from_protocol_id=course.protocol_id,
        to_protocol_id=protocol.id, reason=data.reason, changed_on=data.changed_on, changed_by_id=actor.user_id,
    )
    session.add(change)
    previous_sent_at = course.prescription_sent_at
    course.protocol_id = protocol.id
    course.goals = "\n".join(protocol.goals)
    course.prescription_sent_at = None  # the practice has the old protocol's prescription; the new one is owed
    session.flush()
    audit.record(session, actor, "pt_course.protocol_switched", object_type="pt_course", object_id=course.id, patient_id=course.patient_id,
                 detail={"from": change.from_protocol_id, "to": change.to_protocol_id, "changed_on": str(data.changed_on),
                         "previous_prescription_sent_at": previous_sent_at.isoformat() if previous_sent_at else None})
    return change


def changes_for_courses(session: Session, *, course_ids: list[int]) -> dict[int, list[PtProtocolChange]]:
    """Each course's protocol changes, oldest first."""
    found: dict[int, list[PtProtocolChange]] = {}
    if not course_ids:
        return found
    rows = session.scalars(select(PtProtocolChange).where(PtProtocolChange.course_id.in_(course_ids))
                           .order_by(PtProtocolChange.changed_on, PtProtocolChange.id))
    for row in rows:
        found.setdefault(row.course_id, []).append(row)
    return found
