"""Staff pages for records upfront: the episode's records tracker and the clinic-wide tracker.

The episode page holds several small forms (add a provider, request records, file a document, and an
action per request). A form that fails is shown again with its values kept and each problem next to
the field it names; the other forms stay as they were.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.context import AppContext
from painpath.core.auth.models import User
from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import utcnow
from painpath.core.errors import DomainError, FieldProblem, InvalidInput
from painpath.core.validation import DbId, SafeText
from painpath.intake.records import rules, service
from painpath.intake.records.schemas import (
    FOLLOW_UP_LABELS,
    ITEM_LABELS,
    KIND_LABELS,
    TRANSPORT_LABELS,
    ProviderIn,
    ProviderUpdate,
    RecordsRequestIn,
)
from painpath.intake.records.views import file_response
from painpath.orders import pages as imaging_pages
from painpath.orders import service as orders
from painpath.orders.schemas import StudyIn
from painpath.patients import pages as patient_pages
from painpath.patients import service as patients
from painpath.web.deps import AppCtx, Caller, DbSession, requires
from painpath.web.forms import FormFields, clinic_clock, errors_by_field, validation_problems
from painpath.web.templating import templates

router = APIRouter()

PROVIDER_LABELS = {"name": "Name", "kind": "Kind", "fax": "Fax", "direct_address": "Direct address", "phone": "Phone"}
REQUEST_LABELS = {
    "provider_id": "Provider", "items": "Records wanted", "transport": "Send by",
    "authorization_reference": "Patient's signed release", "authorization_date": "Release signed on",
    "requesting_clinician_id": "Requesting clinician",
}
UPLOAD_LABELS = {"file": "File", "request_id": "Answers request", "covers": "Records it contains"}
STATUS_WORDS = {
    "draft": "Not sent", "sending": "Sending", "sent": "Sent, awaiting records", "acknowledged": "Acknowledged",
    "received": "Received", "incomplete": "Incomplete", "failed": "Send failed",
}
CHECK_WORDS = {"present": "On file", "awaiting": "Awaited", "not_sent": "Not sent yet", "failed": "Request not sent", "missing": "Missing"}


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    return list(labels.items())


def _clinicians(session: Session, clinic_id: DbId) -> list[tuple[int, str]]:
    users = session.execute(
        select(User.id, User.display_name).where(User.clinic_id == clinic_id, User.role == "clinician", User.active.is_(True)).order_by(User.display_name)
    )
    return [(uid, name) for uid, name in users]


def _records_page(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: DbId, *,
                  which: str | None = None, form: dict[str, str] | None = None, problems: list[FieldProblem] | None = None,
                  status_code: int = 200) -> Response:
    found = service.episode_records(session, actor=caller.actor, episode_id=episode_id)
    now = utcnow()
    providers = {p.id: p for p in found.providers}
    problems = problems or []
    waiting = {
        r.id: rules.business_days_waiting(ctx.calendar, r.sent_at, now) for r in found.requests if r.sent_at is not None
    }
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name,
        "patient": found.patient, "episode": found.episode, "providers": found.providers, "provider_by_id": providers,
        "requests": found.requests, "documents": found.documents, "checklist": found.checklist, "ready": found.ready,
        "waiting": waiting, "which": which, "form": form or {}, "problems": problems, "errors": errors_by_field(problems),
        "provider_labels": PROVIDER_LABELS, "request_labels": REQUEST_LABELS, "upload_labels": UPLOAD_LABELS,
        "kinds": _choices(KIND_LABELS), "kind_labels": KIND_LABELS,
        "item_labels": ITEM_LABELS, "transports": _choices(TRANSPORT_LABELS), "transport_labels": TRANSPORT_LABELS,
        "follow_up_methods": _choices(FOLLOW_UP_LABELS), "status_words": STATUS_WORDS, "check_words": CHECK_WORDS,
        "clinicians": _clinicians(session, found.episode.clinic_id), "today": ctx.calendar.local_date(now),
        "max_upload_mb": rules.MAX_UPLOAD_BYTES // 1048576, **imaging_pages.report_choices(),
        "imaging_region_default": found.episode.body_region,
    }
    return templates.TemplateResponse(request, "records/episode_records.html", context, status_code=status_code)


def _back(episode_id: DbId, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/episodes/{episode_id}/records{anchor}", status_code=303)


def _failed(request: Request, ctx: AppContext, session: Session, caller: Caller, episode_id: DbId, which: str,
            form: dict[str, str], exc: Exception) -> Response:
    """Show the page again with what went wrong, after undoing whatever the failed attempt wrote."""
    session.rollback()
    if isinstance(exc, ValidationError):
        return _records_page(request, ctx, session, caller, episode_id, which=which, form=form, problems=validation_problems(exc), status_code=422)
    if isinstance(exc, StaleDataError):
        problem = FieldProblem("version", "current_version", "Someone else changed this first; reload and try again")
        return _records_page(request, ctx, session, caller, episode_id, which=which, form=form, problems=[problem], status_code=409)
    assert isinstance(exc, DomainError)
    return _records_page(request, ctx, session, caller, episode_id, which=which, form=form, problems=exc.problems, status_code=exc.status_code)


# The episode's tracker ------------------------------------------------------------------------------

@router.get("/episodes/{episode_id}/records")
def records_page(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession,
                 caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> Response:
    return _records_page(request, ctx, session, caller, episode_id)


@router.post("/episodes/{episode_id}/records/providers")
def add_provider(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    values = {name: form.get(name) or None for name in PROVIDER_LABELS}
    try:
        provider = service.add_provider(session, actor=caller.actor, episode_id=episode_id, data=ProviderIn.model_validate(values))
    except (ValidationError, DomainError) as exc:
        return _failed(request, ctx, session, caller, episode_id, "provider", form, exc)
    return _back(episode_id, f"#provider-{provider.id}")


@router.post("/records/providers/{provider_id}")
def update_provider(provider_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                    caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    values: dict[str, Any] = {name: form.get(name) or None for name in PROVIDER_LABELS}
    values["version"] = form.get("version") or None
    episode_id = service.get_provider(session, clinic_id=caller.user.clinic_id, provider_id=provider_id).episode_id
    try:
        service.update_provider(session, actor=caller.actor, provider_id=provider_id, data=ProviderUpdate.model_validate(values))
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        return _failed(request, ctx, session, caller, episode_id, f"provider-{provider_id}", form, exc)
    return _back(episode_id, f"#provider-{provider_id}")


def _request_values(form: dict[str, str]) -> dict[str, Any]:
    """The new-request form: one checkbox per item (item_<name>) with its own date range."""
    items = [
        {"item": item, "date_from": form.get(f"from_{item}") or None, "date_to": form.get(f"to_{item}") or None}
        for item in ITEM_LABELS if form.get(f"item_{item}")
    ]
    return {
        "provider_id": form.get("provider_id") or None, "items": items, "transport": form.get("transport") or None,
        "authorization_reference": form.get("authorization_reference") or None,
        "authorization_date": form.get("authorization_date") or None,
        "requesting_clinician_id": form.get("requesting_clinician_id") or None,
    }


@router.post("/episodes/{episode_id}/records/requests")
def create_request(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                   caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    try:
        data = RecordsRequestIn.model_validate(_request_values(form))
        created = service.create_and_send(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _failed(request, ctx, session, caller, episode_id, "request", form, exc)
    ctx.reconcile(session, [episode_id])
    return _back(episode_id, f"#request-{created.id}")


def _request_action(request: Request, ctx: AppContext, session: Session, caller: Caller, request_id: DbId,
                    form: dict[str, str], act) -> Response:  # noqa: ANN001
    found = service.get_request(session, clinic_id=caller.user.clinic_id, request_id=request_id)
    episode_id = found.episode_id
    try:
        act()
        ctx.reconcile(session, [episode_id])
    except (ValidationError, DomainError, StaleDataError) as exc:
        return _failed(request, ctx, session, caller, episode_id, f"request-{request_id}", form, exc)
    return _back(episode_id, f"#request-{request_id}")


def _version(form: dict[str, str]) -> int | None:
    raw = form.get("version") or ""
    return int(raw) if raw.isdigit() else None


@router.post("/records/requests/{request_id}/retry")
def retry(request_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
          caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    transport = form.get("transport") or None
    if transport is not None and transport not in TRANSPORT_LABELS:
        transport = None
    return _request_action(request, ctx, session, caller, request_id, form,
                           lambda: service.retry(session, actor=caller.actor, request_id=request_id, transport=transport))


@router.post("/records/requests/{request_id}/acknowledged")
def acknowledged(request_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
                 caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    return _request_action(request, ctx, session, caller, request_id, form,
                           lambda: service.record_acknowledged(session, actor=caller.actor, request_id=request_id, version=_version(form)))


@router.post("/records/requests/{request_id}/follow-up")
def follow_up(request_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
              caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]) -> Response:
    method = form.get("method") or "phone"
    if method not in FOLLOW_UP_LABELS:
        method = "other"
    return _request_action(request, ctx, session, caller, request_id, form,
                           lambda: service.record_follow_up(session, actor=caller.actor, request_id=request_id, method=method, version=_version(form)))


@router.post("/episodes/{episode_id}/records/documents")
def upload(episode_id: DbId, request: Request, ctx: AppCtx, session: DbSession, form: FormFields,
           caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    raw_request = form.get("request_id") or ""
    items = [item for item in ITEM_LABELS if form.get(f"covers_{item}")]
    try:
        if raw_request and not raw_request.isdigit():
            raise DomainError(FieldProblem("request_id", "exists", "Choose one of the listed requests"))
        data = file.file.read(rules.MAX_UPLOAD_BYTES + 1) if file is not None else b""
        document = service.upload_document(
            session, actor=caller.actor, episode_id=episode_id, filename=file.filename if file is not None else None, data=data,
            request_id=int(raw_request) if raw_request else None, items=items,
        )
        _file_imaging_report(session, ctx, caller, document, form, items)
        ctx.reconcile(session, [episode_id])
    except ValidationError as exc:
        return _failed(request, ctx, session, caller, episode_id, "upload", form,
                       InvalidInput(imaging_pages.report_problems_named(validation_problems(exc))))
    except DomainError as exc:
        # The form's checkboxes are "covers_<item>"; the service says "items". Point at the form's field.
        for problem in exc.problems:
            if problem.field == "items":
                problem.field = "covers"
        return _failed(request, ctx, session, caller, episode_id, "upload", form, exc)
    return _back(episode_id, "#documents")


def _file_imaging_report(session: Session, ctx: AppContext, caller: Caller, document: Any, form: dict[str, str],  # noqa: ANN401
                         items: list[str]) -> None:
    """A filed document that is an imaging report (its modality or study date given) becomes the episode's
    imaging study with its report on file: the same fact the authorization kit reads from any route."""
    if not (form.get("imaging_modality") or form.get("imaging_performed_on")):
        return
    values = imaging_pages.report_values(form, region=None, records_request_id=document.request_id)
    if not values["modality"] and "mri_report" in items:
        values["modality"] = "mri"
    episode = patients.read_episode(session, actor=caller.actor, episode_id=document.episode_id)[1]
    values["region"] = values["region"] or episode.body_region
    data = StudyIn.model_validate(values)
    try:
        orders.file_report(session, actor=caller.actor, calendar=ctx.calendar, episode_id=document.episode_id, data=data)
    except DomainError as exc:
        imaging_pages.report_problems_named(exc.problems)
        raise


@router.get("/records/requests/{request_id}/letter.pdf")
def letter(request_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> Response:
    found, data = service.letter_pdf(session, actor=caller.actor, request_id=request_id)
    return file_response(data, "application/pdf", f"records-request-{found.reference}.pdf")


@router.get("/records/documents/{document_id}")
def document(document_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    found, data = service.document_content(session, actor=caller.actor, document_id=document_id)
    return file_response(data, found.content_type, found.filename)


# The clinic's tracker --------------------------------------------------------------------------------

@router.get("/records")
def clinic_tracker(request: Request, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
                   sort: SafeText = "age") -> Response:
    sort = sort if sort in service.SORTS else "age"
    now = utcnow()
    rows = service.outstanding(session, clinic_id=caller.user.clinic_id, calendar=ctx.calendar, now=now, sort=sort, viewer=caller.actor)
    audit_access.note_listed(session, caller.actor, list_name="records_tracker", patient_ids=[row.patient_id for row in rows])
    context = {
        "caller": caller, "local": clinic_clock(ctx.calendar), "tz_name": ctx.calendar.timezone_name, "rows": rows, "sort": sort,
        "status_words": STATUS_WORDS, "transport_labels": TRANSPORT_LABELS, "silence_days": rules.SILENCE_BUSINESS_DAYS,
        "today": ctx.calendar.local_date(now),
    }
    return templates.TemplateResponse(request, "records/clinic_tracker.html", context)


@patient_pages.episode_panel(needs=Permission.CHART_SUMMARY)
def _records_panel(asked: patient_pages.PanelRequest) -> list[patient_pages.EpisodePanel]:
    """The records-ready checklist (and imported files) beside the episode, before the first visit."""
    from painpath.intake.imports import service as imports

    checklist = service.records_checklist(asked.session, asked.episode.id)
    context = {
        "checklist": checklist,
        "ready": rules.ready(checklist) and bool(checklist),
        "imports": len(imports.imports_for_episode(asked.session, episode_id=asked.episode.id)),
    }
    return [patient_pages.EpisodePanel("records/episode_panel.html", context, slot="side")]
