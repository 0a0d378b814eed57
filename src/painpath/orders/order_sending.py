"""Sending an imaging order's requisition to the centre (fax through the gateway, or printed and sent by
hand), the way intake/records/sending.py sends records requests.

`send_order` commits twice on purpose: the order is durable as `sending` before anything leaves, and the
outcome is committed as soon as the transport answers. A refused or unreachable relay leaves the order
placed (drafted) with the send marked failed, the reason and the time of the next automatic try
(`retry_due`); nothing is lost, and the coordinator's "send" task stays open until it goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import Database
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.core.logging import get_logger
from painpath.core.tenancy import Clinic
from painpath.interop.transports import OutboundDocument, Transport, TransportError, transport_for
from painpath.knowledge.loader import Knowledge
from painpath.orders import order_rules, requisition
from painpath.orders.models import ImagingOrder
from painpath.orders.order_service import read_order
from painpath.orders.schemas import SendIn

log = get_logger("painpath.orders")
TransportFactory = Callable[[str], Transport]
# Turns an order's requisition into the document sent (requisition.render, WeasyPrint); a caller whose documents
# never leave the clinic (the simulator) passes its own.
RequisitionRenderer = Callable[[requisition.Requisition], bytes]
# Automatic resends as for records requests: 5, 10, 20, 40, 80 minutes after each failure, then people take
# over (the open "send" task says the fax did not go). A send saying "sending" this long died with its process.
RETRY_BASE = timedelta(minutes=5)
MAX_AUTOMATIC_ATTEMPTS = 6
STUCK_AFTER = timedelta(minutes=15)


def next_retry_at(last_attempt_at: datetime, attempts: int) -> datetime | None:
    return None if attempts >= MAX_AUTOMATIC_ATTEMPTS else last_attempt_at + RETRY_BASE * 2 ** max(attempts - 1, 0)


def _stuck(order: ImagingOrder, now: datetime) -> bool:
    return order.send_state == "sending" and order.last_attempt_at is not None and now - order.last_attempt_at >= STUCK_AFTER


def send_order(session: Session, *, actor: Actor, knowledge: Knowledge, calendar: BusinessCalendar, order_id: int, data: SendIn,
               transport_factory: TransportFactory = transport_for, render: RequisitionRenderer | None = None) -> ImagingOrder:
    """Send a placed order's requisition to its centre. Commits as `sending` first, then the outcome; a
    failed send does not raise: the order says why and when it is tried again. `render` makes the PDF
    (requisition.render when None)."""
    order = read_order(session, actor=actor, order_id=order_id)
    if order.version != data.version:
        raise StaleWrite("imaging order", data.version, order.version)
    now = utcnow()
    problem = order_rules.move_problem("send", order.status)
    if problem is not None or (order.send_state == "sending" and not _stuck(order, now)):
        raise Conflict(problem or FieldProblem("status", "sendable", "This order is being sent already"))
    centre_id = data.centre_id or order.centre_id
    problems = order_rules.centre_problems(centre_id, knowledge.imaging_centres, required=True)
    if problems:
        raise InvalidInput(problems)
    order.centre_id = centre_id
    return _attempt(session, actor, knowledge, calendar, order, data.send_by, transport_factory, render)


def _attempt(session: Session, actor: Actor, knowledge: Knowledge, calendar: BusinessCalendar, order: ImagingOrder, send_by: str,
             transport_factory: TransportFactory, render: RequisitionRenderer | None = None) -> ImagingOrder:
    centre = knowledge.imaging_centres[order.centre_id]
    clinic = session.get(Clinic, order.clinic_id)
    content = (render or requisition.render)(requisition.build(session, knowledge=knowledge, calendar=calendar, order=order))
    reference = requisition.reference_of(order)
    order.send_state = "sending"
    order.send_attempts += 1
    order.last_attempt_at = utcnow()
    order.next_attempt_at = None
    audit.record(session, actor, "imaging_order.sending", object_type="imaging_order", object_id=order.id, patient_id=order.patient_id,
                 detail={"attempt": order.send_attempts, "transport": send_by, "centre_id": order.centre_id})
    try:
        session.flush()
    except StaleDataError as exc:  # someone else is sending it
        session.rollback()
        raise Conflict(FieldProblem("status", "sendable", "This order is being sent already")) from exc
    message = OutboundDocument(
        reference=f"Imaging requisition {reference}", recipient_name=centre.name, content=content,
        filename=f"imaging-requisition-{reference}.pdf", sender_name=clinic.name, fax=centre.fax,
        cover_note=(f"Imaging requisition {reference} from {clinic.name} is attached (PDF).\n"
                    + (f"Please send the report by fax to {clinic.return_fax}" if clinic.return_fax else "Please send the report")
                    + f", quoting {reference}.\n"),
    )
    session.commit()  # durable before anything leaves: a crash from here on leaves a retryable row

    try:
        receipt = transport_factory(send_by).send(message)
        failure = None
    except TransportError as exc:
        receipt, failure = None, str(exc)
    now = utcnow()
    if receipt is not None:
        order.send_state = "sent"
        order.sent_at = receipt.sent_at
        order.sent_to = receipt.recipient[:200]
        order.last_error = None
        order.status = "sent"
        order.status_changed_at = now
        audit.record(session, actor, "imaging_order.sent", object_type="imaging_order", object_id=order.id, patient_id=order.patient_id,
                     detail={"attempt": order.send_attempts, "transport": send_by, "to": order.sent_to})
        log.info("imaging order sent", order_id=order.id, transport=send_by, attempt=order.send_attempts)
    else:
        order.send_state = "failed"
        order.last_error = (failure or "unknown error")[:1000]
        order.next_attempt_at = next_retry_at(order.last_attempt_at, order.send_attempts)
        audit.record(session, actor, "imaging_order.send_failed", object_type="imaging_order", object_id=order.id,
                     patient_id=order.patient_id, detail={"attempt": order.send_attempts, "error": order.last_error})
        log.warning("imaging order not sent", order_id=order.id, attempt=order.send_attempts, error=order.last_error)
    session.commit()
    return order


def retry_due(db: Database, *, knowledge: Knowledge, calendar: BusinessCalendar, now: datetime | None = None,
              transport_factory: TransportFactory = transport_for, limit: int = 100) -> int:
    """The retry job's pass: fax again the orders whose send failed once their backoff has passed, and
    those left `sending` by a crash. Each in its own transaction; returns how many were attempted."""
    now = now or utcnow()
    with db.session() as session:
        due = session.execute(select(ImagingOrder.id, ImagingOrder.clinic_id).where(
            ImagingOrder.status == "drafted",
            or_(and_(ImagingOrder.send_state == "failed", ImagingOrder.next_attempt_at.is_not(None), ImagingOrder.next_attempt_at <= now),
                and_(ImagingOrder.send_state == "sending", ImagingOrder.last_attempt_at <= now - STUCK_AFTER,
                     ImagingOrder.send_attempts < MAX_AUTOMATIC_ATTEMPTS)),
        ).order_by(ImagingOrder.id).limit(limit)).all()
    attempted = 0
    for order_id, clinic_id in due:
        with db.session() as session:
            order = session.get(ImagingOrder, order_id)
            _attempt(session, Actor.system("imaging-order-retry", clinic_id), knowledge, calendar, order, "fax", transport_factory)
            attempted += 1
    return attempted
