"""Sending a signed form to its requester: the flow with the side effect that leaves the building, the way
referrals and records requests do it. The request is durable as `sending` before anything leaves (first
commit), and the outcome is committed as soon as the relay answers. A failed fax keeps the form signed,
with the reason on the page and its send task still open; the coordinator sends it again or prints it.
There is no automatic retry pass for forms (yet): a person sees the failure on the queue the same day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.clock import BusinessCalendar
from painpath.core.errors import Conflict, FieldProblem, InvalidInput
from painpath.core.tenancy import Clinic
from painpath.interop.transports import OutboundDocument, Transport, TransportError, transport_for
from painpath.interop.transports.fax import fax_digits
from painpath.paperwork import form_service
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.form_schemas import StepIn

TransportFactory = Callable[[str], Transport]
# Makes the filled form sent (form_service.filled_pdf's signature); a caller whose forms never leave the clinic
# (the simulator) passes its own.
FormRenderer = Callable[..., bytes]


def _fax_problem(request: FormRequest) -> FieldProblem | None:
    try:
        fax_digits(request.requester_contact)
    except TransportError as exc:
        return FieldProblem("transport", "requester_fax", f"{request.requester_name} has no usable fax number ({exc}); print the form instead")
    return None


def send_form(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, request: FormRequest, transport: str,  # noqa: ANN001
              extra_dirs: Sequence[Path] = (), transport_factory: TransportFactory = transport_for,
              render: FormRenderer | None = None) -> FormRequest:
    """Send a signed form by fax or print. Commits twice (see the module's note); a refused relay leaves it
    signed and `failed` with the reason, it does not raise. `render` fills the PDF (form_service.filled_pdf
    when None)."""
    if request.status != "signed" or request.transmission == "sending":
        raise Conflict(FieldProblem("to", "sendable", f"Form {request.reference} is not signed, or is being sent"))
    if transport == "fax" and (problem := _fax_problem(request)):
        raise InvalidInput([problem])
    content = (render or form_service.filled_pdf)(session, knowledge=knowledge, calendar=calendar, request=request, extra_dirs=extra_dirs)
    clinic = session.get(Clinic, request.clinic_id)
    request.transport, request.transmission = transport, "sending"
    request.attempts += 1
    audit.record(session, actor, "form_request.sending", object_type="form_request", object_id=request.id, patient_id=request.patient_id,
                 detail={"attempt": request.attempts, "transport": transport})
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(FieldProblem("to", "sendable", f"Form {request.reference} is already being sent")) from exc
    message = OutboundDocument(
        reference=f"Form {request.reference}", recipient_name=request.requester_name, content=content,
        filename=f"{request.reference}.pdf", sender_name=clinic.name, fax=request.requester_contact if transport == "fax" else None,
        cover_note=f"The completed form {request.reference} from {clinic.name} is attached (PDF).\n")
    session.commit()  # durable before anything leaves

    try:
        receipt = transport_factory(transport).send(message)
    except TransportError as exc:
        request.transmission, request.last_error = "failed", str(exc)[:1000]
        audit.record(session, actor, "form_request.send_failed", object_type="form_request", object_id=request.id,
                     patient_id=request.patient_id, detail={"attempt": request.attempts, "transport": transport, "error": request.last_error})
    else:
        request.transmission, request.status, request.last_error = "sent", "sent", None
        request.sent_at = request.state_since = receipt.sent_at
        request.sent_to = receipt.recipient[:200]
        audit.record(session, actor, "form_request.sent", object_type="form_request", object_id=request.id, patient_id=request.patient_id,
                     detail={"attempt": request.attempts, "transport": transport, "to": request.sent_to})
    session.commit()
    return request


def send_step(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, request_id: int, data: StepIn,  # noqa: ANN001
              extra_dirs: Sequence[Path] = (), transport_factory: TransportFactory = transport_for,
              render: FormRenderer | None = None) -> FormRequest:
    """The "sent" step of the request page: checks as any step, then the sending flow."""
    request = form_service.read_request(session, actor=actor, request_id=request_id)
    form_service.check_version(request, data.version)
    if data.transport is None:
        raise InvalidInput([FieldProblem("transport", "required", "Say how to send the form: fax or print")])
    return send_form(session, actor=actor, knowledge=knowledge, calendar=calendar, request=request, transport=data.transport,
                     extra_dirs=extra_dirs, transport_factory=transport_factory, render=render)
