"""Forms on the PT panel for what the JSON API already does: record a progress report, certify the plan
of care (clinicians only: the service refuses others), and send the PT prescription to the practice (fax)
or mark it printed. Same schemas and services as the API; a refused form is the episode page again with
each problem by its field (therapy/pages.py `_refused`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from painpath.core.auth.roles import Permission
from painpath.core.errors import DomainError
from painpath.core.validation import DbId
from painpath.therapy import prescription, service
from painpath.therapy.pages import CERTIFICATION_LABELS, REPORT_LABELS, SEND_LABELS, _course, _done, _refused, _values
from painpath.therapy.schemas import CertificationIn, ProgressReportIn, SendPrescriptionIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()


@router.post("/pt-courses/{course_id}/progress-reports")
def progress_report_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    try:
        data = ProgressReportIn.model_validate(_values(form, REPORT_LABELS))
        service.record_progress_report(session, actor=caller.actor, course_id=course_id, data=data)
        return _done(ctx, session, episode_id, f"pt-course-{course_id}")
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, f"report-{course_id}", form, exc)


@router.post("/pt-courses/{course_id}/certifications")
def certification_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                       caller: Annotated[Caller, requires(Permission.NOTE_SIGN)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    try:
        data = CertificationIn.model_validate(_values(form, CERTIFICATION_LABELS))
        service.record_certification(session, actor=caller.actor, course_id=course_id, data=data)
        return _done(ctx, session, episode_id, f"pt-course-{course_id}")
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, f"certify-{course_id}", form, exc)


@router.post("/pt-courses/{course_id}/prescription/send")
def send_prescription_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                           caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    try:
        data = SendPrescriptionIn.model_validate(_values(form, SEND_LABELS))
        prescription.send(session, actor=caller.actor, knowledge=ctx.knowledge, course_id=course_id, transport=data.transport)
        return _done(ctx, session, episode_id, f"pt-course-{course_id}")
    except (ValidationError, DomainError) as exc:
        return _refused(request, ctx, session, caller, episode_id, f"send-{course_id}", form, exc)
