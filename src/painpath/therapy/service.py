"""PT course use cases: create a course from a protocol, record authorizations, extension requests and
answers, progress reports and plan-of-care certifications; load the facts the rules read.

Every change is audited in the caller's transaction. Reading a course reads its episode's chart, so it
goes through patients.read_episode: audited, and refused for a therapist who is not on the course.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting.models import Encounter
from painpath.charting.service import pt_visit_dates_for_episodes
from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.auth.roles import Role
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    InvalidInput,
    NotFound,
    StaleWrite,
)
from painpath.intake.models import Appointment
from painpath.patients import service as patients
from painpath.patients.models import Episode, Patient
from painpath.therapy import rules
from painpath.therapy.models import (
    PlanOfCareCertification,
    ProgressReport,
    PtAuthorization,
    PtCourse,
)
from painpath.therapy.schemas import (
    AuthorizationIn,
    CertificationIn,
    CourseIn,
    ExtensionAnswerIn,
    ExtensionRequestedIn,
    ProgressReportIn,
)


class NotTheCertifier(DomainError):
    """Only a physician or NPP (role clinician) certifies a plan of care."""

    status_code = 403


# Provider follow-ups the gap week looks for: a visit with the physician or the advanced practice provider.
FOLLOW_UP_PROVIDER_TYPES = ("app", "physician")
LIVE_APPOINTMENT_STATES = ("booked", "checked_in", "completed")


def _audit(session: Session, actor: Actor, action: str, course: PtCourse, **detail: object) -> None:
    audit.record(session, actor, action, object_type="pt_course", object_id=course.id, patient_id=course.patient_id,
                 detail={k: str(v) if isinstance(v, date) else v for k, v in detail.items()} or None)


def _course_row(session: Session, clinic_id: int | None, course_id: int) -> PtCourse:
    found = session.get(PtCourse, course_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("pt_course", course_id)
    return found


def get_course(session: Session, *, actor: Actor, course_id: int) -> tuple[Patient, Episode, PtCourse]:
    """A course with its patient and episode; audited as a chart read (and refused for another therapist)."""
    course = _course_row(session, actor.clinic_id, course_id)
    patient, episode = patients.read_episode(session, actor=actor, episode_id=course.episode_id)
    return patient, episode, course


def _authorization_row(session: Session, actor: Actor, authorization_id: int) -> tuple[PtCourse, PtAuthorization]:
    found = session.get(PtAuthorization, authorization_id)
    if found is None or found.clinic_id != actor.clinic_id:
        raise NotFound("pt_authorization", authorization_id)
    _patient, _episode, course = get_course(session, actor=actor, course_id=found.course_id)
    return course, found


def _check_version(row: PtAuthorization, version: int) -> None:
    if row.version != version:
        raise StaleWrite("PT authorization", version, row.version)


def _check_window(window_from: date | None, window_to: date | None, prefix: str = "") -> None:
    if window_from is not None and window_to is not None and window_to < window_from:
        raise InvalidInput(FieldProblem(f"{prefix}window_to", "after_window_from", "The authorization window cannot end before it starts"))


# Courses -------------------------------------------------------------------------------------------

def _is_medicare(session: Session, knowledge, episode: Episode, on: date) -> bool:
    """Traditional Medicare rules apply when the primary coverage on the start date is Medicare (Part B)."""
    payer_id = patients.primary_payer_id(session, patient_id=episode.patient_id, on=on)
    payer = knowledge.payers.get(payer_id) if payer_id else None
    return payer is not None and payer.plan_type == "medicare"


def create_course(session: Session, *, actor: Actor, knowledge, episode_id: int, data: CourseIn) -> PtCourse:
    """Prescribe a PT course from a protocol pack, given by a therapist at the clinic or a partner practice."""
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    problems = []
    protocol = knowledge.pt_protocols.get(data.protocol_id)
    if protocol is None:
        known = ", ".join(sorted(knowledge.pt_protocols)) or "(none)"
        problems.append(FieldProblem("protocol_id", "known_protocol", f"{data.protocol_id!r} is not a PT protocol; known: {known}"))
    therapist = session.get(User, data.therapist_id)
    if therapist is None or therapist.clinic_id != episode.clinic_id or therapist.role != Role.THERAPIST.value:
        problems.append(FieldProblem("therapist_id", "therapist", "Choose a user of this clinic with the therapist role"))
    if data.practice_kind == "partner" and not data.practice_fax:
        problems.append(FieldProblem("practice_fax", "required", "A partner practice needs a fax number for the prescription"))
    if problems:
        raise InvalidInput(problems)
    course = PtCourse(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=episode.patient_id, protocol_id=protocol.id,
        therapist_id=therapist.id, practice_name=data.practice_name, practice_kind=data.practice_kind, practice_fax=data.practice_fax,
        frequency_per_week=data.frequency_per_week or protocol.frequency_per_week.value,
        duration_weeks=data.duration_weeks or protocol.duration_weeks.value, start_date=data.start_date,
        goals=data.goals or "\n".join(protocol.goals), status="active",
        medicare_rules=_is_medicare(session, knowledge, episode, data.start_date), created_by_id=actor.user_id,
    )
    session.add(course)
    session.flush()
    _audit(session, actor, "pt_course.create", course, protocol_id=course.protocol_id, therapist_id=therapist.id,
           medicare_rules=course.medicare_rules)
    return course


def courses_for_episode(session: Session, *, episode_id: int) -> list[PtCourse]:
    return list(session.scalars(select(PtCourse).where(PtCourse.episode_id == episode_id).order_by(PtCourse.start_date, PtCourse.id)))


# Authorizations -------------------------------------------------------------------------------------

def record_authorization(session: Session, *, actor: Actor, course_id: int, data: AuthorizationIn) -> PtAuthorization:
    """The payer approved visits for the course, in a date window."""
    _check_window(data.window_from, data.window_to)
    _patient, _episode, course = get_course(session, actor=actor, course_id=course_id)
    return _add_authorization(session, actor, course, data.visits_approved, data.window_from, data.window_to, data.authorization_number)


def _add_authorization(session: Session, actor: Actor, course: PtCourse, visits: int, window_from: date, window_to: date,
                       number: str | None) -> PtAuthorization:
    row = PtAuthorization(clinic_id=course.clinic_id, course_id=course.id, episode_id=course.episode_id, visits_approved=visits,
                          window_from=window_from, window_to=window_to, authorization_number=number, recorded_by_id=actor.user_id)
    session.add(row)
    session.flush()
    _audit(session, actor, "pt_authorization.record", course, authorization_id=row.id, visits_approved=visits,
           window_from=window_from, window_to=window_to)
    return row


def record_extension_requested(session: Session, *, actor: Actor, authorization_id: int, data: ExtensionRequestedIn) -> PtAuthorization:
    course, row = _authorization_row(session, actor, authorization_id)
    _check_version(row, data.version)
    if row.extension_requested_at is not None:
        raise Conflict(FieldProblem("extension_requested_at", "not_yet_requested", "The extension was already requested"))
    reason = (data.reason or "").strip() or None
    if data.progress_report_id is not None:
        report = session.get(ProgressReport, data.progress_report_id)
        if report is None or report.course_id != course.id:
            raise InvalidInput(FieldProblem("progress_report_id", "same_course", "Choose a progress report written for this PT course"))
    elif reason is None:
        raise InvalidInput(FieldProblem("reason", "required_without_progress_report",
                                        "Choose the progress report sent with the request, or say why there is none"))
    row.extension_requested_at = data.requested_at or utcnow()
    row.extension_progress_report_id, row.extension_reason = data.progress_report_id, reason
    session.flush()
    _audit(session, actor, "pt_authorization.extension_requested", course, authorization_id=row.id,
           progress_report_id=data.progress_report_id, with_reason=reason is not None)
    return row


def record_extension_answer(session: Session, *, actor: Actor, authorization_id: int, data: ExtensionAnswerIn) -> tuple[PtAuthorization, PtAuthorization | None]:
    """The payer answered the extension; an approval with visits is recorded as the next authorization."""
    course, row = _authorization_row(session, actor, authorization_id)
    _check_version(row, data.version)
    if row.extension_answered_at is not None:
        raise Conflict(FieldProblem("extension_answered_at", "not_yet_answered", "The payer's answer is already recorded"))
    granted = data.outcome in ("approved", "partial")
    if granted and (data.visits_approved is None or data.window_to is None):
        raise InvalidInput(FieldProblem("visits_approved", "required_with_approval",
                                        "An approval needs the visits approved and the window's end"))
    _check_window(data.window_from or row.window_to, data.window_to)
    row.extension_answered_at = data.answered_at or utcnow()
    row.extension_outcome = data.outcome
    session.flush()
    _audit(session, actor, "pt_authorization.extension_answered", course, authorization_id=row.id, outcome=data.outcome)
    following = None
    if granted:
        assert data.visits_approved is not None and data.window_to is not None
        following = _add_authorization(session, actor, course, data.visits_approved, data.window_from or row.window_to,
                                       data.window_to, data.authorization_number)
    return row, following


# Progress reports and certifications ---------------------------------------------------------------

def record_progress_report(session: Session, *, actor: Actor, course_id: int, data: ProgressReportIn) -> ProgressReport:
    _patient, _episode, course = get_course(session, actor=actor, course_id=course_id)
    if data.written_on > utcnow().date():
        raise InvalidInput(FieldProblem("written_on", "not_future", "A progress report cannot be dated in the future"))
    if data.encounter_id is not None:
        encounter = session.get(Encounter, data.encounter_id)
        if encounter is None or encounter.episode_id != course.episode_id:
            raise InvalidInput(FieldProblem("encounter_id", "same_episode", "Link a visit note of this episode"))
    report = ProgressReport(clinic_id=course.clinic_id, course_id=course.id, episode_id=course.episode_id, written_on=data.written_on,
                            author_id=actor.user_id, summary=data.summary, encounter_id=data.encounter_id, recorded_at=utcnow())
    session.add(report)
    session.flush()
    _audit(session, actor, "pt_progress_report.record", course, report_id=report.id, written_on=data.written_on)
    return report


def record_certification(session: Session, *, actor: Actor, course_id: int, data: CertificationIn) -> PlanOfCareCertification:
    """Medicare's plan-of-care (re)certification is signed by the physician or NPP, never the therapist."""
    if actor.role != Role.CLINICIAN.value:
        raise NotTheCertifier(FieldProblem("role", "clinician", "The plan of care is certified by a physician or NPP (role clinician)"))
    _patient, _episode, course = get_course(session, actor=actor, course_id=course_id)
    if data.certified_on > utcnow().date():
        raise InvalidInput(FieldProblem("certified_on", "not_future", "A certification cannot be dated in the future"))
    row = PlanOfCareCertification(clinic_id=course.clinic_id, course_id=course.id, episode_id=course.episode_id,
                                  certified_on=data.certified_on, certified_by_id=actor.user_id, recorded_at=utcnow())
    session.add(row)
    session.flush()
    _audit(session, actor, "pt_plan_certification.record", course, certified_on=data.certified_on)
    return row


def progress_reports(session: Session, *, course_ids: Sequence[int]) -> list[ProgressReport]:
    if not course_ids:
        return []
    return list(session.scalars(select(ProgressReport).where(ids_in(session, ProgressReport.course_id, course_ids))
                                .order_by(ProgressReport.written_on, ProgressReport.id)))


# Facts for the rules -------------------------------------------------------------------------------

def course_facts(session: Session, *, courses: Sequence[PtCourse], calendar: BusinessCalendar) -> list[rules.CourseFacts]:
    """One CourseFacts per course, with one query per kind of fact for all of them."""
    if not courses:
        return []
    course_ids = [c.id for c in courses]
    episode_ids = sorted({c.episode_id for c in courses})
    visits = pt_visit_dates_for_episodes(session, episode_ids)
    auths: dict[int, list[rules.AuthorizationFacts]] = {}
    for a in session.scalars(select(PtAuthorization).where(ids_in(session, PtAuthorization.course_id, course_ids)).order_by(PtAuthorization.id)):
        auths.setdefault(a.course_id, []).append(rules.AuthorizationFacts(
            id=a.id, visits_approved=a.visits_approved, window_from=a.window_from, window_to=a.window_to,
            authorization_number=a.authorization_number, extension_requested_at=a.extension_requested_at,
            extension_answered_at=a.extension_answered_at, extension_outcome=a.extension_outcome))
    reports: dict[int, list[date]] = {}
    for r in progress_reports(session, course_ids=course_ids):
        reports.setdefault(r.course_id, []).append(r.written_on)
    certs: dict[int, list[rules.Certification]] = {}
    for c in session.scalars(select(PlanOfCareCertification).where(ids_in(session, PlanOfCareCertification.course_id, course_ids))):
        certs.setdefault(c.course_id, []).append(rules.Certification(c.certified_on, c.id))
    follow_ups: dict[int, list[tuple[date, object]]] = {}
    for appt in session.scalars(select(Appointment).where(
            ids_in(session, Appointment.episode_id, episode_ids), Appointment.visit_type == "follow_up",
            Appointment.provider_type.in_(FOLLOW_UP_PROVIDER_TYPES), Appointment.status.in_(LIVE_APPOINTMENT_STATES))):
        follow_ups.setdefault(appt.episode_id, []).append((calendar.local_date(appt.start_at), appt.booked_at))
    return [
        rules.CourseFacts(
            course_id=c.id, clinic_id=c.clinic_id, episode_id=c.episode_id, patient_id=c.patient_id, status=c.status,
            start_date=c.start_date, frequency_per_week=c.frequency_per_week, duration_weeks=c.duration_weeks,
            medicare=c.medicare_rules,
            # The course's visits: PT visit notes on the episode from the course's start on.
            visit_dates=tuple(d for d in visits.get(c.episode_id, []) if d >= c.start_date),
            authorizations=tuple(auths.get(c.id, [])), progress_reports=tuple(reports.get(c.id, [])),
            certifications=tuple(certs.get(c.id, [])), provider_follow_ups=tuple(follow_ups.get(c.episode_id, [])),  # type: ignore[arg-type]
        )
        for c in courses
    ]


def active_courses(session: Session, *, episode_ids: Sequence[int] | None) -> list[PtCourse]:
    query = select(PtCourse).where(PtCourse.status == "active")
    if episode_ids is not None:
        if not episode_ids:
            return []
        query = query.where(ids_in(session, PtCourse.episode_id, list(episode_ids)))
    return list(session.scalars(query.order_by(PtCourse.id)))


@dataclass(frozen=True)
class CourseView:
    """A course with what the rules say about it today: the schedule, the current authorization and what is owed."""

    course: PtCourse
    facts: rules.CourseFacts
    visits: list[rules.Visit]
    authorizations: list[rules.AuthorizationStatus]
    findings: list


def evaluate(session: Session, *, course: PtCourse, calendar: BusinessCalendar, settings, now=None) -> CourseView:
    now = now or utcnow()
    today = calendar.local_date(now)
    (facts,) = course_facts(session, courses=[course], calendar=calendar)
    before_end = settings.pt_progress_note_visits_before_end
    statuses = [rules.authorization_status(facts, a, calendar, today, visits_before_end=before_end)
                for a in sorted(facts.authorizations, key=lambda a: (a.window_from, a.id))]
    return CourseView(course=course, facts=facts, visits=rules.schedule(facts, calendar, today), authorizations=statuses,
                      findings=rules.course_findings(facts, calendar, now, visits_before_end=before_end))
