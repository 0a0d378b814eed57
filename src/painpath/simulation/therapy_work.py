"""PT courses in the simulated clinic: prescribed when the plan's active step names a PT protocol, visited on
the course's schedule while an authorization covers the visit, and their worklist tasks (progress note,
extension request, escalation call, Medicare's report and certification) worked through the therapy
slice's services, as the episode page's physical therapy panel does.

What decides is the engine: which visit is the first one no authorization covers, when the extension task
opens and is due (therapy/rules.py). The simulator adds the clinic's policy on WHEN the coordinator sends the
extension (`policies.pt_authorization_lead_business_days` before the first unauthorized visit) and the payer's
side (an answer after its drawn business days; an approval counts from the first unauthorized visit, or from
the answer day when it comes later, since a payer does not approve visits already missed). A planned visit
without an authorization is not given: that is the PT gap the measure counts.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.charting import service as charting_service
from painpath.charting.schemas import EncounterIn
from painpath.core.errors import DomainError
from painpath.intake import service as intake_service
from painpath.intake import visits
from painpath.intake.schemas import AppointmentIn
from painpath.plans.models import CarePlan, PlanStep
from painpath.simulation import patients
from painpath.simulation.running import Simulation
from painpath.therapy import rules as therapy_rules
from painpath.therapy import service as therapy_service
from painpath.therapy.course_end import end_course
from painpath.therapy.models import ProgressReport, PtAuthorization, PtCourse
from painpath.therapy.schemas import (
    AuthorizationIn,
    CertificationIn,
    CourseEndIn,
    CourseIn,
    ExtensionAnswerIn,
    ExtensionRequestedIn,
    ProgressReportIn,
)
from painpath.worklist.models import Task

PT_VISITS_AT = time(10, 0)  # after the morning's worklist work: a visit sees the day's recorded answers
PAYER_ANSWERS_AT = time(14, 0)
FOLLOW_UP_AT = time(15, 0)


# Prescribing -------------------------------------------------------------------------------------------

def prescribe_if_planned(session: Session, sim: Simulation, episode_id: int) -> None:
    """The active plan step names a PT protocol and the episode has no course on it yet: the clinician
    prescribes the course (the panel's "start a course" form) and the payer's first authorization is recorded
    for it; the therapist's visits then run on the course's schedule. A refusal is counted and undone alone
    (a savepoint), never the visit or review it follows."""
    protocol_id = _planned_protocol(session, sim, episode_id)
    if protocol_id is None:
        return
    try:
        with session.begin_nested():
            _prescribe(session, sim, episode_id, protocol_id)
    except DomainError:
        sim.refusal("pt_course")


def _planned_protocol(session: Session, sim: Simulation, episode_id: int) -> str | None:
    """The PT protocol the episode's active plan step names, when it has no course on it yet."""
    row = session.scalars(select(PlanStep).where(PlanStep.episode_id == episode_id, PlanStep.status == "active")
                          .order_by(PlanStep.id.desc())).first()
    if row is None:
        return None
    plan = session.get(CarePlan, row.plan_id)
    pathway = sim.ctx.knowledge.pathways.get(plan.pathway_id)
    step = next((s for s in pathway.steps if s.id == row.step_id), None) if pathway is not None else None
    protocol_id = getattr(step, "pt_protocol_id", None)
    if protocol_id is None or protocol_id not in sim.ctx.knowledge.pt_protocols:
        return None
    if any(c.protocol_id == protocol_id and c.status != "cancelled"
           for c in therapy_service.courses_for_episode(session, episode_id=episode_id)):
        return None
    return protocol_id


def _prescribe(session: Session, sim: Simulation, episode_id: int, protocol_id: str) -> None:
    therapy = sim.scenario.therapy
    start = sim.ctx.calendar.add_business_days(sim.today, max(1, round(therapy.start_business_days.value)))
    per_week = round(therapy.visits_per_week.value) if therapy.visits_per_week is not None else None
    course = therapy_service.create_course(session, actor=sim.actor("clinician"), knowledge=sim.ctx.knowledge, episode_id=episode_id,
                                           data=CourseIn(protocol_id=protocol_id, therapist_id=sim.actor("therapist").user_id,
                                                         practice_name="Simulated Pain Clinic PT", practice_kind="onsite",
                                                         frequency_per_week=per_week, start_date=start))
    approved = max(1, round(therapy.initial_visits_approved.value))
    therapy_service.record_authorization(session, actor=sim.actor("coordinator"), course_id=course.id, data=AuthorizationIn(
        visits_approved=approved, window_from=start, window_to=start + timedelta(days=round(therapy.window_days.value) - 1),
        authorization_number=f"SIM-PT-{course.id:06d}"))
    slots = therapy_rules.slot_days(start, course.frequency_per_week, sim.ctx.calendar)
    sim.pt_schedules[course.id] = CourseSchedule(course.episode_id, slots, next(slots),
                                                 course.frequency_per_week * course.duration_weeks)


# The therapists' visits ------------------------------------------------------------------------------------

@dataclass
class CourseSchedule:
    """Where a course is in its schedule: its slot days (therapy.rules.slot_days, the schedule the PT slice
    projects), the next one, and the visits planned and given."""

    episode_id: int
    slots: Iterator[date]
    next_day: date
    planned: int
    given: int = 0


def _covered(authorizations: list[PtAuthorization], visit_days: list[date], day: date) -> bool:
    """A valid authorization covers a visit on `day`: its window holds the day and it has a visit left."""
    return any(a.window_from <= day <= a.window_to and therapy_rules.visits_used(_facts(a), visit_days) < a.visits_approved
               for a in authorizations)


def _facts(row: PtAuthorization) -> therapy_rules.AuthorizationFacts:
    return therapy_rules.AuthorizationFacts(id=row.id, visits_approved=row.visits_approved, window_from=row.window_from,
                                            window_to=row.window_to)


def give_visits(sim: Simulation) -> None:
    """The day's PT visits, one unit of work for all courses: each course whose slot day it is gets its visit (a
    signed PT visit note) when an authorization covers it; otherwise the visit is not given (the course waits
    for the payer: a gap day) and the course moves to its next slot day, until the planned visits are given. A
    course whose extension the payer denied ends there."""
    today = sim.today
    due = {course_id: schedule for course_id, schedule in sim.pt_schedules.items() if schedule.next_day <= today}
    if not due:
        return
    with sim.ctx.db.session() as session:
        patients.held_charts(session, {s.episode_id for s in due.values()})  # the notes' charts, in two statements
        rows: dict[int, list[PtAuthorization]] = {}
        for row in session.scalars(select(PtAuthorization).where(PtAuthorization.course_id.in_(sorted(due)))):
            rows.setdefault(row.course_id, []).append(row)
        done = charting_service.pt_visit_dates_for_episodes(session, sorted({s.episode_id for s in due.values()}))
        therapist = sim.actor("therapist")
        ended: dict[int, str] = {}  # course id -> how it ended
        for course_id, schedule in sorted(due.items()):
            schedule.next_day = next(schedule.slots)
            authorizations = rows.get(course_id, [])
            if _covered(authorizations, done.get(schedule.episode_id, []), today):
                note = charting_service.create_encounter(session, actor=therapist, episode_id=schedule.episode_id, data=EncounterIn(
                    encounter_type="pt_visit", date_of_service=today, narrative="PT visit: exercises progressed per the protocol"))
                charting_service.sign_encounter(session, actor=therapist, encounter_id=note.id, version=note.version)
                schedule.given += 1
            else:
                current = max(authorizations, key=lambda r: (r.window_from, r.id), default=None)
                if current is None or current.extension_outcome == "denied":
                    schedule.given = schedule.planned  # the payer said no: the course ends with the visits it had
                    ended[course_id] = "cancelled"
            if schedule.given >= schedule.planned:
                del sim.pt_schedules[course_id]
                ended.setdefault(course_id, "completed")
        for course_id, outcome in ended.items():
            _end_course(session, sim, course_id, outcome)


# The therapist discharges the patient once the planned visits are given, or ends the course when the payer refused
# more: a course left open would keep its visit projection and its gap, expiry and progress-note tasks forever.
END_REASONS = {
    "completed": "Discharged from PT: the planned visits of the protocol were given",
    "cancelled": "Stopped: the payer did not authorize the remaining visits",
}


def _end_course(session: Session, sim: Simulation, course_id: int, outcome: str) -> None:
    course = session.get(PtCourse, course_id)  # its version; a course in sim.pt_schedules is active until now
    end_course(session, actor=sim.actor("therapist"), course_id=course_id,
               data=CourseEndIn(outcome=outcome, ended_on=sim.today, reason=END_REASONS[outcome], version=course.version))


# The payer's answer to an extension --------------------------------------------------------------------------

def payer_answers_extension(sim: Simulation, authorization_id: int) -> Generator:
    """The payer answers after its drawn business days: approves the rest of the course's planned visits from the
    first visit the current authorization does not cover (or from the answer day, when that visit has passed),
    or denies a share."""
    therapy = sim.scenario.therapy
    days = max(1, round(sim.draw(therapy.extension_decision_business_days.value)))
    deny = sim.rng.random() < therapy.extension_denial_rate.value
    yield from sim.until(sim.local(sim.ctx.calendar.add_business_days(sim.today, days), PAYER_ANSWERS_AT))
    with sim.ctx.db.session() as session:
        row = session.get(PtAuthorization, authorization_id)
        if row is None or row.extension_answered_at is not None:
            return
        course = session.get(PtCourse, row.course_id)
        today = sim.today
        if deny:
            data = ExtensionAnswerIn(version=row.version, outcome="denied")
        else:
            (facts,) = therapy_service.course_facts(session, courses=[course], calendar=sim.ctx.calendar)
            status = therapy_rules.authorization_status(facts, _facts(row), sim.ctx.calendar, today)
            unauthorized = status.first_unauthorized
            window_from = max(today, unauthorized.on) if unauthorized is not None else today
            approved_so_far = sum(a.visits_approved for a in facts.authorizations)
            more = max(1, facts.planned_visits - approved_so_far)
            data = ExtensionAnswerIn(version=row.version, outcome="approved", visits_approved=more, window_from=window_from,
                                     window_to=window_from + timedelta(days=round(therapy.window_days.value) - 1),
                                     authorization_number=f"SIM-PT-{row.course_id:06d}-{authorization_id}")
        try:
            therapy_service.record_extension_answer(session, actor=sim.actor("coordinator"), authorization_id=authorization_id, data=data)
        except DomainError:
            sim.refusal("pt_extension_answer")


# Worklist tasks ---------------------------------------------------------------------------------------------

def _authorization_id(task: Task) -> int:
    return int(task.key.split(":")[2])  # therapy:pt_auth:<id>:<what>


def _course_id(task: Task) -> int:
    return int(task.evidence["course_id"])


def extension_ready(sim: Simulation, task: Task) -> bool:
    """The clinic's policy: the request goes out `pt_authorization_lead_business_days` before the first visit the
    authorization does not cover (the engine's task opens earlier, in the gap week)."""
    first_unauthorized = date.fromisoformat(task.evidence["first_unauthorized_on"])
    lead = sim.scenario.policies.pt_authorization_lead_business_days
    return sim.today >= sim.ctx.calendar.business_days_before(first_unauthorized, lead)


def request_extension(session: Session, sim: Simulation, task: Task) -> None:
    """Send the extension request with the course's latest progress report (or say it follows), then wait for
    the payer."""
    row = session.get(PtAuthorization, _authorization_id(task))
    if row is None or row.extension_requested_at is not None:
        return
    report_id = session.scalar(select(ProgressReport.id).where(ProgressReport.course_id == row.course_id)
                               .order_by(ProgressReport.written_on.desc(), ProgressReport.id.desc()).limit(1))
    therapy_service.record_extension_requested(session, actor=sim.actor("coordinator"), authorization_id=row.id, data=ExtensionRequestedIn(
        version=row.version, progress_report_id=report_id,
        reason=None if report_id is not None else "The progress note follows after the next visit"))
    sim.process(payer_answers_extension(sim, row.id))


def escalation_call(session: Session, sim: Simulation, task: Task) -> None:
    """The call to the payer about an unanswered extension: it costs the coordinator's minutes; the answer still
    comes on the payer's clock (the task closes when it is recorded), so the call is made once."""
    sim.given_up.add(task.key)


def progress_report(session: Session, sim: Simulation, task: Task) -> None:
    therapy_service.record_progress_report(session, actor=sim.actor("therapist"), course_id=_course_id(task), data=ProgressReportIn(
        written_on=sim.today, summary="Progress: function and pain improving with the program; goals partly met"))


def certify_plan_of_care(session: Session, sim: Simulation, task: Task) -> None:
    therapy_service.record_certification(session, actor=sim.actor("clinician"), course_id=_course_id(task),
                                         data=CertificationIn(certified_on=sim.today))


def book_provider_follow_up(session: Session, sim: Simulation, task: Task) -> None:
    """The provider follow-up in the week of the progress-note visit (or the next business day when that week has
    passed); the patient comes (follow-ups are not missed in the model)."""
    monday = date.fromisoformat(task.evidence["week_of"])
    calendar = sim.ctx.calendar
    day = calendar.add_business_days(max(sim.today, monday - timedelta(days=1)), 1)
    appointment = intake_service.book_appointment(session, actor=sim.actor("coordinator"), calendar=calendar, episode_id=task.episode_id,
                                                  data=AppointmentIn(visit_type="follow_up", provider_type="app",
                                                                     location_id=sim.clinic.location_id,
                                                                     start_at=datetime.combine(day, FOLLOW_UP_AT),
                                                                     reason="Follow-up in the PT progress-note week"))
    sim.process(_follow_up_held(sim, appointment.id, calendar.to_utc(datetime.combine(day, FOLLOW_UP_AT))))


def _follow_up_held(sim: Simulation, appointment_id: int, at: datetime) -> Generator:
    yield from sim.until(at)
    with sim.ctx.db.session() as session:
        appointment = visits.get_appointment(session, sim.clinic.clinic_id, appointment_id)
        if appointment.status != "booked":
            return
        try:
            appointment = visits.check_in(session, actor=sim.actor("front_desk"), appointment_id=appointment_id, version=appointment.version)
            visits.complete(session, actor=sim.actor("clinician"), appointment_id=appointment_id, version=appointment.version)
        except DomainError:
            sim.refusal("pt_follow_up_visit")
