"""Sending a records request, and sending it again: the flow with the side effect that leaves the building.

`send_request` commits twice on purpose: the request (with its stored letter) is durable as `sending`
before anything leaves, and the outcome is committed as soon as the relay answers. A crash in between
leaves a `sending` row that `retry_due` picks up once it is clearly stuck; nothing is lost. At worst a
provider receives the same letter twice, which is better than never.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import utcnow
from painpath.core.db import Database
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.core.logging import get_logger
from painpath.core.tenancy import Clinic
from painpath.intake.records import rules
from painpath.intake.records.models import PriorProvider, RecordsFile, RecordsRequest
from painpath.interop.transports import OutboundDocument, Transport, TransportError, transport_for
from painpath.interop.transports.direct import is_direct_address
from painpath.interop.transports.fax import fax_digits

log = get_logger("painpath.records")
TransportFactory = Callable[[str], Transport]


def get_request(session: Session, *, clinic_id: int | None, request_id: int) -> RecordsRequest:
    request = session.get(RecordsRequest, request_id)
    if request is None or request.clinic_id != clinic_id:
        raise NotFound("records request", request_id)
    return request


def transport_problems(provider: PriorProvider, transport: str, field: str = "transport") -> list[FieldProblem]:
    """Why `provider` cannot be reached by `transport` (empty when it can)."""
    if transport == "fax":
        if not provider.fax:
            return [FieldProblem(field, "provider_fax", f"{provider.name} has no fax number; add one to the provider or choose another way to send")]
        try:
            fax_digits(provider.fax)
        except TransportError as exc:
            return [FieldProblem(field, "provider_fax", str(exc))]
    if transport == "direct" and not is_direct_address(provider.direct_address):
        return [FieldProblem(field, "provider_direct", f"{provider.name} has no Direct address; add one to the provider or choose another way to send")]
    return []


def _stuck(request: RecordsRequest, now: datetime) -> bool:
    return request.status == "sending" and request.last_attempt_at is not None and now - request.last_attempt_at >= rules.STUCK_AFTER


def send_request(
    session: Session, *, actor: Actor, request_id: int, transport_factory: TransportFactory = transport_for,
) -> RecordsRequest:
    """Send a draft or failed request. Commits twice: once as `sending` (before anything leaves) and
    once with the outcome. A refused or unreachable relay leaves it `failed` with the reason; it does
    not raise. Raises Conflict when the request is not in a state that can be sent."""
    request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
    now = utcnow()
    if request.status not in rules.SENDABLE and not _stuck(request, now):
        raise Conflict(FieldProblem("status", "sendable", f"Request {request.reference} is {request.status}; only a draft or failed request can be sent"))
    provider = session.get(PriorProvider, request.provider_id)
    letter = session.get(RecordsFile, request.letter_file_id)
    clinic = session.get(Clinic, request.clinic_id)
    request.status = "sending"
    request.attempts += 1
    request.last_attempt_at = now
    request.next_attempt_at = None
    audit.record(session, actor, "records_request.sending", object_type="records_request", object_id=request.id,
                 patient_id=request.patient_id, detail={"attempt": request.attempts, "transport": request.transport})
    try:
        session.flush()
    except StaleDataError as exc:  # someone else claimed it between our read and our write
        session.rollback()
        raise Conflict(FieldProblem("status", "sendable", f"Request {request.reference} is already being sent")) from exc
    message = OutboundDocument(
        reference=f"Records request {request.reference}", recipient_name=provider.name, content=letter.data,
        filename=f"records-request-{request.reference}.pdf", content_type="application/pdf", sender_name=clinic.name,
        fax=provider.fax, direct_address=provider.direct_address,
        cover_note=(
            f"Records request {request.reference} from {clinic.name} is attached (PDF).\n"
            + (f"Please return the records by fax to {clinic.return_fax}" if clinic.return_fax else "Please return the records")
            + f", quoting {request.reference}.\n"
        ),
    )
    session.commit()  # durable before anything leaves: a crash from here on leaves a retryable row

    failure: str | None = None
    receipt = None
    try:
        receipt = transport_factory(request.transport).send(message)
    except TransportError as exc:
        failure = str(exc)

    finished = utcnow()
    if receipt is not None:
        request.status = "sent"
        request.sent_at = receipt.sent_at
        request.sent_to = receipt.recipient[:200]
        request.message_id = (receipt.message_id or "")[:200] or None
        request.last_error = None
        audit.record(session, actor, "records_request.sent", object_type="records_request", object_id=request.id,
                     patient_id=request.patient_id, detail={"attempt": request.attempts, "transport": request.transport, "to": request.sent_to})
        log.info("records request sent", request_id=request.id, transport=request.transport, attempt=request.attempts)
    else:
        request.status = "failed"
        request.last_error = (failure or "unknown error")[:1000]
        request.failed_at = request.failed_at or finished
        request.next_attempt_at = rules.next_retry_at(request.last_attempt_at, request.attempts)
        audit.record(session, actor, "records_request.send_failed", object_type="records_request", object_id=request.id,
                     patient_id=request.patient_id, detail={"attempt": request.attempts, "transport": request.transport, "error": request.last_error})
        log.warning("records request not sent", request_id=request.id, transport=request.transport, attempt=request.attempts, error=request.last_error)
    session.commit()
    return request


def retry(
    session: Session, *, actor: Actor, request_id: int, transport: str | None = None, transport_factory: TransportFactory = transport_for,
) -> RecordsRequest:
    """Send a failed (or never sent) request again, optionally by another transport."""
    request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
    if transport is not None and transport != request.transport:
        if request.status not in rules.SENDABLE:
            raise Conflict(FieldProblem("status", "sendable", f"Request {request.reference} is {request.status}; it cannot be sent again"))
        problems = transport_problems(session.get(PriorProvider, request.provider_id), transport)
        if problems:
            raise InvalidInput(problems)
        audit.record(session, actor, "records_request.transport_changed", object_type="records_request", object_id=request.id,
                     patient_id=request.patient_id, detail={"from": request.transport, "to": transport})
        request.transport = transport
    return send_request(session, actor=actor, request_id=request_id, transport_factory=transport_factory)


def retry_due(
    db: Database, *, now: datetime | None = None, transport_factory: TransportFactory = transport_for,
    after_send: Callable[[Session, list[int]], object] | None = None, limit: int = 100,
) -> int:
    """The retry job's pass: resend failed requests whose backoff has passed, and requests left in
    `sending` or `draft` by a crash. Each in its own transaction; returns how many were attempted."""
    now = now or utcnow()
    stale = now - rules.STUCK_AFTER
    with db.session() as session:
        due = session.execute(
            select(RecordsRequest.id, RecordsRequest.clinic_id)
            .where(or_(
                and_(RecordsRequest.status == "failed", RecordsRequest.next_attempt_at.is_not(None), RecordsRequest.next_attempt_at <= now),
                and_(RecordsRequest.status == "sending", RecordsRequest.last_attempt_at <= stale,
                     RecordsRequest.attempts < rules.MAX_AUTOMATIC_ATTEMPTS),
                and_(RecordsRequest.status == "draft", RecordsRequest.created_at <= stale),
            ))
            .order_by(RecordsRequest.next_attempt_at, RecordsRequest.id)
            .limit(limit)
        ).all()
    attempted = 0
    for request_id, clinic_id in due:
        with db.session() as session:
            try:
                request = send_request(session, actor=Actor.system("records-retry", clinic_id), request_id=request_id,
                                       transport_factory=transport_factory)
            except Conflict:
                continue  # a person (or another worker) got there first
            attempted += 1
            if after_send is not None:
                after_send(session, [request.episode_id])
    return attempted


