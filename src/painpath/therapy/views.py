"""JSON API for PT courses: prescribe from a protocol, record authorizations and the payer's answers to
extensions, progress reports and plan-of-care certifications, read a course with visits used and left
and what it owes, and produce or send the prescription PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.patients import service as patients
from painpath.therapy import course_end, prescription, protocol_switch, rules, service
from painpath.therapy.models import PtCourse
from painpath.therapy.schemas import (
    AuthorizationIn, CertificationIn, CourseEndIn, CourseIn, ExtensionAnswerIn, ExtensionRequestedIn, ProgressReportIn, ProtocolSwitchIn, SendPrescriptionIn,
)
from painpath.worklist.engine import Obligation
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["therapy"])

_COURSE_FIELDS = (
    "id", "episode_id", "patient_id", "protocol_id", "therapist_id", "practice_name", "practice_kind", "practice_fax",
    "frequency_per_week", "duration_weeks", "start_date", "goals", "status", "medicare_rules", "prescription_sent_at",
    "prescription_sent_to", "ended_on", "end_reason", "version",
)


def _authorization_out(status: rules.AuthorizationStatus) -> dict:
    auth = status.authorization
    unauthorized = status.first_unauthorized
    return {
        "id": auth.id, "visits_approved": auth.visits_approved, "window_from": auth.window_from, "window_to": auth.window_to,
        "authorization_number": auth.authorization_number, "visits_used": status.used, "visits_left": status.left,
        # The progress bar: visits used of visits approved.
        "percent_used": round(100 * min(status.used, auth.visits_approved) / auth.visits_approved),
        "extension_requested_at": auth.extension_requested_at, "extension_answered_at": auth.extension_answered_at,
        "extension_outcome": auth.extension_outcome,
        "progress_note_due_before_visit": status.mark_number, "progress_note_due_on": status.progress_note_due_on,
        "escalate_on": status.escalate_on,
        "first_unauthorized_visit": None if unauthorized is None else {
            "number": unauthorized.number, "on": unauthorized.on, "words": unauthorized.words},
    }


def course_out(view: service.CourseView) -> dict:
    out = {name: getattr(view.course, name) for name in _COURSE_FIELDS}
    out.update({
        "visits": [{"number": v.number, "on": v.on, "recorded": v.recorded} for v in view.visits],
        "treatment_days": len(set(view.facts.visit_dates)),
        "authorizations": [_authorization_out(s) for s in view.authorizations],
        "obligations": [
            {"key": f.key, "kind": f.kind, "title": f.title, "due_at": f.due_at, "owner_role": f.owner_role, "reason": f.reason}
            for f in view.findings if isinstance(f, Obligation)
        ],
    })
    return out


def _answer(ctx: AppCtx, session: DbSession, course: PtCourse) -> dict:
    ctx.reconcile(session, [course.episode_id])
    return course_out(service.evaluate(session, course=course, calendar=ctx.calendar, settings=ctx.settings))


@router.post("/episodes/{episode_id}/pt-courses", status_code=201)
def create_course(episode_id: DbId, data: CourseIn, ctx: AppCtx, session: DbSession,
                  caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> dict:
    course = service.create_course(session, actor=caller.actor, knowledge=ctx.knowledge, episode_id=episode_id, data=data)
    return _answer(ctx, session, course)


@router.get("/episodes/{episode_id}/pt-courses")
def list_courses(episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> list[dict]:
    patients.read_episode(session, actor=caller.actor, episode_id=episode_id)  # clinic and caseload check, chart-read audit
    return [course_out(service.evaluate(session, course=c, calendar=ctx.calendar, settings=ctx.settings))
            for c in service.courses_for_episode(session, episode_id=episode_id)]


@router.get("/pt-courses/{course_id}")
def read_course(course_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> dict:
    _patient, _episode, course = service.get_course(session, actor=caller.actor, course_id=course_id)
    return course_out(service.evaluate(session, course=course, calendar=ctx.calendar, settings=ctx.settings))


@router.post("/pt-courses/{course_id}/protocol")
def switch_protocol(course_id: DbId, data: ProtocolSwitchIn, ctx: AppCtx, session: DbSession,
                    caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> dict:
    change = protocol_switch.switch_protocol(session, actor=caller.actor, knowledge=ctx.knowledge, course_id=course_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, change.course_id))


@router.post("/pt-courses/{course_id}/end")
def end_course(course_id: DbId, data: CourseEndIn, ctx: AppCtx, session: DbSession,
               caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> dict:
    return _answer(ctx, session, course_end.end_course(session, actor=caller.actor, course_id=course_id, data=data))


@router.post("/pt-courses/{course_id}/authorizations", status_code=201)
def record_authorization(course_id: DbId, data: AuthorizationIn, ctx: AppCtx, session: DbSession,
                         caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    row = service.record_authorization(session, actor=caller.actor, course_id=course_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, row.course_id))


@router.post("/pt-authorizations/{authorization_id}/extension-request")
def record_extension_requested(authorization_id: DbId, data: ExtensionRequestedIn, ctx: AppCtx, session: DbSession,
                               caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    row = service.record_extension_requested(session, actor=caller.actor, authorization_id=authorization_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, row.course_id))


@router.post("/pt-authorizations/{authorization_id}/extension-answer")
def record_extension_answer(authorization_id: DbId, data: ExtensionAnswerIn, ctx: AppCtx, session: DbSession,
                            caller: Annotated[Caller, requires(Permission.AUTHORIZATION_WORK)]) -> dict:
    row, _following = service.record_extension_answer(session, actor=caller.actor, authorization_id=authorization_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, row.course_id))


@router.post("/pt-courses/{course_id}/progress-reports", status_code=201)
def record_progress_report(course_id: DbId, data: ProgressReportIn, ctx: AppCtx, session: DbSession,
                           caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> dict:
    report = service.record_progress_report(session, actor=caller.actor, course_id=course_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, report.course_id))


@router.post("/pt-courses/{course_id}/certifications", status_code=201)
def record_certification(course_id: DbId, data: CertificationIn, ctx: AppCtx, session: DbSession,
                         caller: Annotated[Caller, requires(Permission.NOTE_SIGN)]) -> dict:
    row = service.record_certification(session, actor=caller.actor, course_id=course_id, data=data)
    return _answer(ctx, session, session.get(PtCourse, row.course_id))


@router.get("/pt-courses/{course_id}/prescription.pdf")
def prescription_pdf(course_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    course, pdf = prescription.prescription_pdf(session, actor=caller.actor, knowledge=ctx.knowledge, course_id=course_id)
    headers = {"Content-Disposition": f'inline; filename="pt-prescription-{prescription.reference_of(course)}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/pt-courses/{course_id}/prescription/send")
def send_prescription(course_id: DbId, data: SendPrescriptionIn, ctx: AppCtx, session: DbSession,
                      caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> dict:
    course = prescription.send(session, actor=caller.actor, knowledge=ctx.knowledge, course_id=course_id, transport=data.transport)
    return _answer(ctx, session, course)
