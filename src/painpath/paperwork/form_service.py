"""Forms queue use cases: log a form request, draft it from the chart, the clinician's signature, sending,
closing; read the queue; make the filled PDF. Every write is audited in the same transaction and carries
the version it was read at (a stale one is refused with 409)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.errors import FieldProblem, InvalidInput, NotFound, StaleWrite
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.paperwork import form_facts, form_filling, form_rules
from painpath.paperwork.form_models import FormRequest
from painpath.paperwork.form_schemas import DraftIn, FormRequestIn, StepIn
from painpath.patients import service as patients
from painpath.patients.models import Episode, Patient

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _audit(session: Session, actor: Actor, action: str, request: FormRequest, **detail) -> None:  # noqa: ANN003
    audit.record(session, actor, action, object_type="form_request", object_id=request.id, patient_id=request.patient_id, detail=detail)


def definition(knowledge, form_id: str):  # noqa: ANN001, ANN201
    found = knowledge.form_definitions.get(form_id)
    if found is None:
        raise NotFound("form definition", form_id)
    return found


def get_request(session: Session, *, clinic_id: int | None, request_id: int) -> FormRequest:
    return patients.clinic_record(session, FormRequest, request_id, clinic_id=clinic_id, what="form request")


def read_request(session: Session, *, actor: Actor, request_id: int) -> FormRequest:
    """A form request for a person to see: chart access checked and the read audited (once per request)."""
    return patients.read_record(session, FormRequest, request_id, actor=actor, what="form request", object_type="form_request")


def episode_requests(session: Session, *, actor: Actor, episode_id: int) -> list[FormRequest]:
    _patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    return list(session.scalars(select(FormRequest).where(FormRequest.episode_id == episode.id).order_by(FormRequest.id.desc())))


def create_request(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, episode_id: int,  # noqa: ANN001
                   data: FormRequestIn) -> FormRequest:
    """Log a form received: its deadline from the form's rule and the clinic's target from the pack."""
    patient, episode = patients.read_episode(session, actor=actor, episode_id=episode_id)
    problems = []
    form = knowledge.form_definitions.get(data.form_id)
    if form is None:
        problems.append(FieldProblem("form_id", "known_form", "Choose one of the clinic's forms"))
    if data.employee_receipt_on and data.employee_receipt_on > data.received_on:
        problems.append(FieldProblem("employee_receipt_on", "not_after_received",
                                     "The employee received the request on or before the day the form reached us"))
    if data.owner_id is not None:
        owner = session.get(User, data.owner_id)
        if owner is None or owner.clinic_id != episode.clinic_id or owner.role not in ("coordinator", "manager"):
            problems.append(FieldProblem("owner_id", "coordinator", "Choose a coordinator of the clinic"))
    if problems:
        raise InvalidInput(problems)
    deadline = None
    if form.deadline is not None:
        deadline = form_rules.due_on(form.deadline, received_on=data.received_on, employee_receipt_on=data.employee_receipt_on,
                                     add_business_days=calendar.add_business_days)
    clinic_days = session.get(Clinic, episode.clinic_id).forms_turnaround_days
    target = form_rules.due_on(form_rules.clinic_target(form.clinic_target, clinic_days), received_on=data.received_on,
                               employee_receipt_on=None, add_business_days=calendar.add_business_days)
    request = FormRequest(clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, **data.model_dump(),
                          deadline_on=deadline, target_on=target, status="received", created_by_id=actor.user_id, state_since=utcnow())
    session.add(request)
    session.flush()
    _audit(session, actor, "form_request.create", request, form_id=request.form_id, requester_kind=request.requester_kind)
    return request


def check_version(request: FormRequest, version: int) -> None:
    if request.version != version:
        raise StaleWrite("form request", version, request.version)


def _move(request: FormRequest, to: str, now: datetime) -> None:
    if problems := form_rules.transition_problems(request.status, to):
        raise InvalidInput(problems)
    request.status = to
    request.state_since = now


def chart_facts(session: Session, *, request: FormRequest, calendar: BusinessCalendar, now: datetime) -> form_rules.FormFacts:
    return form_facts.gather(session, request=request, calendar=calendar, now=now)


def draft(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, request_id: int, data: DraftIn) -> FormRequest:  # noqa: ANN001
    """Fill the form from the chart (and the estimates given here); the values are kept as drafted."""
    request = read_request(session, actor=actor, request_id=request_id)
    check_version(request, data.version)
    flare = (data.flare_times, data.flare_per, data.flare_duration, data.flare_unit)
    if any(v is not None for v in flare) and not all(v is not None for v in flare):
        missing = [n for n, v in zip(("flare_times", "flare_per", "flare_duration", "flare_unit"), flare, strict=True) if v is None]
        raise InvalidInput([FieldProblem(name, "flare_complete", "Give how often flare-ups come and how long each lasts, or none of it")
                            for name in missing])
    now = utcnow()
    _move(request, "drafted", now)
    for name, value in data.model_dump(exclude={"version"}).items():
        setattr(request, name, value)
    form = definition(knowledge, request.form_id)
    facts = chart_facts(session, request=request, calendar=calendar, now=now)
    request.drafted_values = form_rules.pdf_values(form_rules.resolve(form, facts))
    request.drafted_at, request.drafted_by_id = now, actor.user_id
    session.flush()
    _audit(session, actor, "form_request.draft", request, fields=sorted(request.drafted_values))
    return request


def step(session: Session, *, actor: Actor, request_id: int, data: StepIn, may_sign: bool) -> FormRequest:
    """The clinician's signature, closing, or cancelling (sending is form_sending's flow)."""
    request = read_request(session, actor=actor, request_id=request_id)
    check_version(request, data.version)
    if data.to == "signed" and not may_sign:
        raise InvalidInput([FieldProblem("to", "clinician_signs", "Only a clinician may review and sign the form")])
    if data.to == "sent":
        raise InvalidInput([FieldProblem("to", "send_flow", "A form is sent from its page's send form")])
    if data.to == "cancelled" and not data.cancel_reason:
        raise InvalidInput([FieldProblem("cancel_reason", "required", "Say why the form request is cancelled")])
    now = utcnow()
    _move(request, data.to, now)
    if data.to == "signed":
        request.signed_at, request.signed_by_id = now, actor.user_id
    elif data.to == "closed":
        request.closed_at = now
    else:
        request.cancelled_at, request.cancel_reason = now, data.cancel_reason
    session.flush()
    _audit(session, actor, f"form_request.{data.to}", request, transport=data.transport)
    return request


def filled_pdf(session: Session, *, knowledge, calendar: BusinessCalendar, request: FormRequest, extra_dirs: Sequence[Path] = ()) -> bytes:  # noqa: ANN001
    """The filled form: the drafted values (what the clinician reviews and signs), or the chart as it is now
    before a draft; a facts sheet is rendered from the chart."""
    form = definition(knowledge, request.form_id)
    now = utcnow()
    if form.pdf is None:
        facts = chart_facts(session, request=request, calendar=calendar, now=now)
        return render_pdf("paperwork/forms_std_facts.html", {"facts": facts, "completed_on": calendar.local_date(now),
                                                              "request": request}, template_dirs=[TEMPLATES])
    values = request.drafted_values or form_rules.pdf_values(form_rules.resolve(form, chart_facts(session, request=request, calendar=calendar, now=now)))
    return form_filling.fill(form_filling.form_path(form.pdf, extra_dirs), values)


def queue(session: Session, *, clinic_id: int, include_done: bool = True) -> list[tuple[FormRequest, str, str | None]]:
    """The clinic's form requests with the patient's name and the owner's, open ones first by deadline.
    A read model: joins the patient and user tables read-only for display."""
    rows = session.execute(
        select(FormRequest, Patient.given_name, Patient.family_name, User.display_name)
        .join(Patient, Patient.id == FormRequest.patient_id).outerjoin(User, User.id == FormRequest.owner_id)
        .where(FormRequest.clinic_id == clinic_id)
        .order_by(FormRequest.target_on, FormRequest.id))
    out = [(r, f"{given} {family}", owner) for r, given, family, owner in rows]
    if not include_done:
        out = [row for row in out if row[0].status in form_rules.OPEN_STATES]
    return sorted(out, key=lambda row: row[0].status not in form_rules.OPEN_STATES)


def queue_facts(session: Session, *, knowledge, calendar: BusinessCalendar, episode_ids: Sequence[int] | None) -> list[form_rules.QueueFacts]:  # noqa: ANN001
    # Sent and closed ones too: their fulfillments close the tasks they met (rather than leave them obsolete).
    query = select(FormRequest).join(Episode, Episode.id == FormRequest.episode_id)
    if episode_ids is not None:
        query = query.where(FormRequest.episode_id.in_(episode_ids))
    out = []
    clinic_days = dict(session.execute(select(Clinic.id, Clinic.forms_turnaround_days)).all())
    for r in session.scalars(query):
        form = knowledge.form_definitions.get(r.form_id)
        if form is None:
            continue
        out.append(form_rules.QueueFacts(
            request_id=r.id, clinic_id=r.clinic_id, episode_id=r.episode_id, patient_id=r.patient_id, form_name=form.name,
            requester=r.requester_kind, status=r.status, received_on=r.received_on, target_on=r.target_on,
            target_words=form_rules.clinic_target(form.clinic_target, clinic_days.get(r.clinic_id)).words(), legal_due_on=r.deadline_on,
            legal_words=f"{form.deadline.words()}, {form.deadline.source}" if form.deadline else None,
            drafted_at=r.drafted_at, signed_at=r.signed_at, sent_at=r.sent_at, cancel_reason=r.cancel_reason))
    return out
