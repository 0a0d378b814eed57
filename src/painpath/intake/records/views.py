"""JSON API for records upfront: providers, requests (created and sent at once), tracking, uploads."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from painpath.core import audit_access
from painpath.core.auth.roles import Permission
from painpath.core.clock import iso_utc, utcnow
from painpath.core.validation import DbId
from painpath.intake.records import rules, service
from painpath.intake.records.schemas import (
    FollowUpIn,
    ProviderIn,
    ProviderOut,
    ProviderUpdate,
    RecordsDocumentOut,
    RecordsRequestIn,
    RecordsRequestOut,
    RetryIn,
)
from painpath.web.deps import AppCtx, Caller, DbSession, requires

router = APIRouter(prefix="/api", tags=["records"])


class VersionIn(BaseModel):
    model_config = {"extra": "forbid"}
    version: int | None = Field(default=None, ge=1, description="The version you loaded; a stale version is refused with 409")


class FollowUpBody(FollowUpIn):
    version: int | None = Field(default=None, ge=1)


def request_out(request) -> dict:  # noqa: ANN001
    return RecordsRequestOut.model_validate(request).model_dump(mode="json")


def file_response(data: bytes, content_type: str, filename: str, *, download: bool = False) -> Response:
    """Bytes with a safe Content-Disposition (RFC 6266 filename*, so any name survives the header)."""
    disposition = "attachment" if download else "inline"
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "document"
    return Response(
        content=data, media_type=content_type,
        headers={"content-disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/episodes/{episode_id}/records")
def episode_records(episode_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> dict:
    found = service.episode_records(session, actor=caller.actor, episode_id=episode_id)
    return {
        "providers": [ProviderOut.model_validate(p).model_dump(mode="json") for p in found.providers],
        "requests": [request_out(r) for r in found.requests],
        "documents": [RecordsDocumentOut.model_validate(d).model_dump(mode="json") for d in found.documents],
        "checklist": [asdict(item) for item in found.checklist],
        "ready": found.ready,
    }


@router.post("/episodes/{episode_id}/records/providers", response_model=ProviderOut, status_code=201)
def add_provider(episode_id: DbId, data: ProviderIn, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]):  # noqa: ANN201
    return service.add_provider(session, actor=caller.actor, episode_id=episode_id, data=data)


@router.put("/records/providers/{provider_id}", response_model=ProviderOut)
def update_provider(provider_id: DbId, data: ProviderUpdate, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)]):  # noqa: ANN201
    return service.update_provider(session, actor=caller.actor, provider_id=provider_id, data=data)


@router.post("/episodes/{episode_id}/records/requests", status_code=201)
def create_request(
    episode_id: DbId, data: RecordsRequestIn, ctx: AppCtx, session: DbSession,
    caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
) -> dict:
    """Create the request and send it now; the answer says `sent` or `failed` (with `last_error`)."""
    request = service.create_and_send(session, actor=caller.actor, calendar=ctx.calendar, episode_id=episode_id, data=data)
    ctx.reconcile(session, [request.episode_id])
    return request_out(request)


@router.post("/records/requests/{request_id}/retry")
def retry(
    request_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
    data: RetryIn | None = None,
) -> dict:
    request = service.retry(session, actor=caller.actor, request_id=request_id, transport=data.transport if data else None)
    ctx.reconcile(session, [request.episode_id])
    return request_out(request)


@router.post("/records/requests/{request_id}/acknowledged")
def acknowledged(
    request_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
    data: VersionIn | None = None,
) -> dict:
    request = service.record_acknowledged(session, actor=caller.actor, request_id=request_id, version=data.version if data else None)
    ctx.reconcile(session, [request.episode_id])
    return request_out(request)


@router.post("/records/requests/{request_id}/follow-up")
def follow_up(
    request_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
    data: FollowUpBody | None = None,
) -> dict:
    data = data or FollowUpBody()
    request = service.record_follow_up(session, actor=caller.actor, request_id=request_id, method=data.method, version=data.version)
    ctx.reconcile(session, [request.episode_id])
    return request_out(request)


@router.get("/records/requests/{request_id}/letter")
def letter(request_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)]) -> Response:
    request, data = service.letter_pdf(session, actor=caller.actor, request_id=request_id)
    return file_response(data, "application/pdf", f"records-request-{request.reference}.pdf")


@router.post("/episodes/{episode_id}/records/documents", response_model=RecordsDocumentOut, status_code=201)
def upload(  # noqa: ANN201
    episode_id: DbId, ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.RECORDS_REQUEST)],
    file: Annotated[UploadFile | None, File(description="PDF, PNG or JPEG, at most 20 MB")] = None,
    request_id: Annotated[int | None, Form()] = None,
    items: Annotated[list[str], Form(description="Requested items the document contains")] = [],  # noqa: B006
):
    data = file.file.read(rules.MAX_UPLOAD_BYTES + 1) if file is not None else b""
    document = service.upload_document(
        session, actor=caller.actor, episode_id=episode_id, filename=file.filename if file else None, data=data,
        request_id=request_id, items=items,
    )
    ctx.reconcile(session, [episode_id])
    return document


@router.get("/records/documents/{document_id}/content")
def document_content(document_id: DbId, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_READ)]) -> Response:
    document, data = service.document_content(session, actor=caller.actor, document_id=document_id)
    return file_response(data, document.content_type, document.filename)


@router.get("/records/outstanding")
def outstanding(
    ctx: AppCtx, session: DbSession, caller: Annotated[Caller, requires(Permission.CHART_SUMMARY)],
    sort: Literal["age", "provider", "status"] = "age",
) -> list[dict]:
    rows = service.outstanding(session, clinic_id=caller.user.clinic_id, calendar=ctx.calendar, now=utcnow(), sort=sort,
                               viewer=caller.actor)
    audit_access.note_listed(session, caller.actor, list_name="records_tracker", patient_ids=[row.patient_id for row in rows])
    return [{**asdict(row), "sent_at": iso_utc(row.sent_at) if row.sent_at else None, "created_at": iso_utc(row.created_at)} for row in rows]
