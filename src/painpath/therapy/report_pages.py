"""Forms on the PT panel for what the JSON API already does: record a progress report, certify the plan
of care (clinicians only: the service refuses others), and send the PT prescription to the practice (fax)
or mark it printed. Same schemas and services as the API; a refused form is the episode page again with
each problem by its field (therapy/pages.py `_submit`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from painpath.core.auth.roles import Permission
from painpath.core.validation import DbId
from painpath.therapy import prescription, service
from painpath.therapy.pages import CERTIFICATION_LABELS, REPORT_LABELS, SEND_LABELS, _course, _submit
from painpath.therapy.schemas import CertificationIn, ProgressReportIn, SendPrescriptionIn
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields

router = APIRouter()


@router.post("/pt-courses/{course_id}/progress-reports")
def progress_report_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                         caller: Annotated[Caller, requires(Permission.NOTE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"report-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=ProgressReportIn, labels=REPORT_LABELS,
                   act=lambda data: service.record_progress_report(session, actor=caller.actor, course_id=course_id, data=data))


@router.post("/pt-courses/{course_id}/certifications")
def certification_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                       caller: Annotated[Caller, requires(Permission.NOTE_SIGN)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"certify-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=CertificationIn, labels=CERTIFICATION_LABELS,
                   act=lambda data: service.record_certification(session, actor=caller.actor, course_id=course_id, data=data))


@router.post("/pt-courses/{course_id}/prescription/send")
def send_prescription_form(course_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                           caller: Annotated[Caller, requires(Permission.EPISODE_WRITE)]) -> Response:
    episode_id = _course(session, caller, course_id).episode_id
    return _submit(request, ctx, session, caller, episode_id=episode_id, which=f"send-{course_id}",
                   anchor=f"pt-course-{course_id}", form=form, schema=SendPrescriptionIn, labels=SEND_LABELS,
                   act=lambda data: prescription.send(session, actor=caller.actor, knowledge=ctx.knowledge, course_id=course_id,
                                                      transport=data.transport))
