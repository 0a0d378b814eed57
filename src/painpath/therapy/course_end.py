"""Ending a PT course: the therapist discharges the patient (completed), or the course stops early because the
patient stopped coming, the payer refused more visits or the plan changed (cancelled).

An ended course owes nothing more: the therapy provider reads active courses only, so its visit, gap-week,
extension and Medicare tasks close as no longer required at the next reconciliation, and a course that stopped
early is no longer projected forward visit by visit. A cancelled course's check-ins stop; a completed one keeps
those that opened before its end (check-ins/rules.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.therapy.models import PtCourse
from painpath.therapy.schemas import CourseEndIn
from painpath.therapy.service import get_course

OUTCOME_WORDS = {"completed": "Discharged from PT", "cancelled": "Stopped early"}


def end_course(session: Session, *, actor: Actor, course_id: int, data: CourseEndIn) -> PtCourse:
    """Mark an active course completed or cancelled on `data.ended_on`, with why; audited."""
    _patient, _episode, course = get_course(session, actor=actor, course_id=course_id)
    if course.version != data.version:
        raise StaleWrite("PT course", data.version, course.version)
    if course.status != "active":
        raise Conflict(FieldProblem("outcome", "active_course", f"This course already ended ({course.status})"))
    if data.ended_on < course.start_date:
        raise InvalidInput(FieldProblem("ended_on", "after_course_start", "A course cannot end before it started"))
    course.status = data.outcome
    course.ended_on = data.ended_on
    course.end_reason = data.reason
    course.ended_by_id = actor.user_id
    session.flush()
    audit.record(session, actor, f"pt_course.{data.outcome}", object_type="pt_course", object_id=course.id, patient_id=course.patient_id,
                 detail={"ended_on": str(data.ended_on)})
    return course
