"""Records use cases: list prior providers, request records, track the answer, file what comes back,
and say whether the episode's records are ready. Changes are audited in the caller's transaction.

Sending lives in `sending.py` (it commits on purpose, around the moment the letter leaves); its entry
points are re-exported here so callers have one service to talk to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from painpath.core import audit, audit_access
from painpath.core.audit import Actor
from painpath.core.auth import chart_access
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import ids_in
from painpath.core.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    StaleWrite,
)
from painpath.core.tenancy import Clinic
from painpath.documents.records_request import (
    RecordsRequestLetter,
    RequestedItem,
    render_records_request,
)
from painpath.documents.uploads import clean_filename, is_readable_pdf, size_limit_words
from painpath.intake import service as intake_service
from painpath.intake.records import rules
from painpath.intake.records.models import (
    PriorProvider,
    RecordsDocument,
    RecordsFile,
    RecordsRequest,
)
from painpath.intake.records.rules import ChecklistFacts, ChecklistItem, RequestFacts
from painpath.intake.records.schemas import (
    ITEM_LABELS,
    TRANSPORT_LABELS,
    ProviderIn,
    ProviderUpdate,
    RecordsRequestIn,
)
from painpath.intake.records.sending import (  # noqa: F401  (re-exported: the sending half of this service)
    TransportFactory,
    get_request,
    retry,
    retry_due,
    send_request,
    transport_problems,
)
from painpath.interop.transports import TransportSettings, transport_for
from painpath.orders import service as orders
from painpath.patients import service as patients_service
from painpath.patients.models import Episode, Patient

_CHUNK = 500


# Lookups ----------------------------------------------------------------------------------------

def _episode(session: Session, actor: Actor, episode_id: int, *, must_be_open: bool = True) -> tuple[Patient, Episode]:
    """The episode and its patient through the patients service (which audits the chart read)."""
    patient, episode = patients_service.read_episode(session, actor=actor, episode_id=episode_id)
    if must_be_open and episode.status != "open":
        raise InvalidInput(FieldProblem("episode_id", "episode_open", f"Episode is {episode.status.replace('_', ' ')}; reopen it first"))
    return patient, episode


def _provider(session: Session, clinic_id: int | None, provider_id: int) -> PriorProvider:
    provider = session.get(PriorProvider, provider_id)
    if provider is None or provider.clinic_id != clinic_id:
        raise NotFound("provider", provider_id)
    return provider


def get_provider(session: Session, *, clinic_id: int | None, provider_id: int) -> PriorProvider:
    return _provider(session, clinic_id, provider_id)


def _patient_of(session: Session, episode_id: int) -> int | None:
    """The episode's patient, for the audit row (no chart read: nothing is shown)."""
    found = patients_service.episode_facts(session, episode_ids=[episode_id])
    return found[0].patient_id if found else None


def _check_version(what: str, row: PriorProvider | RecordsRequest, version: int | None) -> None:
    if version is not None and row.version != version:
        raise StaleWrite(what, version, row.version)


def _store(session: Session, clinic_id: int, data: bytes, content_type: str) -> RecordsFile:
    stored = RecordsFile(
        clinic_id=clinic_id, content_type=content_type, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
    )
    session.add(stored)
    session.flush()
    return stored


# Prior providers --------------------------------------------------------------------------------

def add_provider(session: Session, *, actor: Actor, episode_id: int, data: ProviderIn) -> PriorProvider:
    """List a provider or imaging center who saw the patient for this problem."""
    _patient, episode = _episode(session, actor, episode_id)
    provider = PriorProvider(clinic_id=episode.clinic_id, episode_id=episode.id, **data.model_dump())
    session.add(provider)
    session.flush()
    audit.record(session, actor, "prior_provider.create", object_type="prior_provider", object_id=provider.id,
                 patient_id=episode.patient_id, detail={"episode_id": episode.id, "kind": data.kind})
    return provider


def update_provider(session: Session, *, actor: Actor, provider_id: int, data: ProviderUpdate) -> PriorProvider:
    """Correct a provider's contact details (a wrong fax number is the usual reason a send fails)."""
    provider = _provider(session, actor.clinic_id, provider_id)
    _check_version("provider", provider, data.version)
    values = data.model_dump(exclude={"version"})
    changed = sorted(name for name, value in values.items() if getattr(provider, name) != value)
    for name in changed:
        setattr(provider, name, values[name])
    session.flush()
    patient_id = _patient_of(session, provider.episode_id)
    audit.record(session, actor, "prior_provider.update", object_type="prior_provider", object_id=provider.id,
                 patient_id=patient_id, detail={"fields": changed})
    return provider


def list_providers(session: Session, *, clinic_id: int, episode_id: int) -> list[PriorProvider]:
    return list(session.scalars(
        select(PriorProvider).where(PriorProvider.clinic_id == clinic_id, PriorProvider.episode_id == episode_id).order_by(PriorProvider.id)
    ))


# Requests ---------------------------------------------------------------------------------------

def _clinician(session: Session, clinic_id: int, user_id: int | None) -> User | None:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or user.clinic_id != clinic_id or user.role != "clinician" or not user.active:
        return None
    return user


def create_request(
    session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: RecordsRequestIn,
) -> RecordsRequest:
    """A draft request with its letter rendered and stored; `send_request` sends it."""
    patient, episode = _episode(session, actor, episode_id)
    provider = _provider(session, actor.clinic_id, data.provider_id)
    if provider.episode_id != episode.id:
        raise InvalidInput(FieldProblem("provider_id", "same_episode", f"{provider.name} is not listed on this episode"))
    today = calendar.local_date(utcnow())
    problems = transport_problems(provider, data.transport)
    if data.authorization_date > today:
        problems.append(FieldProblem("authorization_date", "not_future", "The release cannot be signed in the future"))
    for index, item in enumerate(data.items):
        if item.date_from and item.date_from > today:
            problems.append(FieldProblem(f"items[{index}].date_from", "not_future", f"{ITEM_LABELS[item.item]}: the date range starts in the future"))
    clinician_id = data.requesting_clinician_id or episode.responsible_clinician_id
    clinician = _clinician(session, episode.clinic_id, clinician_id)
    if clinician is None:
        message = ("Choose the requesting clinician (the episode has no responsible clinician yet)" if clinician_id is None
                   else f"User {clinician_id} is not a clinician here")
        problems.append(FieldProblem("requesting_clinician_id", "clinician", message))
    if problems:
        raise InvalidInput(problems)
    request = RecordsRequest(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, provider_id=provider.id,
        items=[item.model_dump(mode="json") for item in data.items], transport=data.transport, status="draft",
        authorization_reference=data.authorization_reference, authorization_date=data.authorization_date,
        requesting_clinician_id=clinician.id, created_by_id=actor.user_id,
    )
    session.add(request)
    session.flush()
    clinic = session.get(Clinic, episode.clinic_id)
    letter = RecordsRequestLetter(
        reference=request.reference, letter_date=today,
        clinic_name=clinic.name, clinic_phone=clinic.phone, return_fax=clinic.return_fax,
        reply_direct_address=TransportSettings().direct_from,
        provider_name=provider.name, provider_fax=provider.fax,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        items=tuple(RequestedItem(ITEM_LABELS[i.item], i.date_from, i.date_to) for i in data.items),
        authorization_reference=data.authorization_reference, authorization_date=data.authorization_date,
        requesting_clinician=clinician.display_name,
    )
    request.letter_file_id = _store(session, episode.clinic_id, render_records_request(letter), "application/pdf").id
    session.flush()
    audit.record(session, actor, "records_request.create", object_type="records_request", object_id=request.id,
                 patient_id=patient.id, detail={"provider_id": provider.id, "transport": data.transport,
                                                "items": [i.item for i in data.items]})
    return request


def create_and_send(
    session: Session, *, actor: Actor, calendar: BusinessCalendar, episode_id: int, data: RecordsRequestIn,
    transport_factory: TransportFactory = transport_for,
) -> RecordsRequest:
    """Intake's same-day request: create it, commit it, send it."""
    request = create_request(session, actor=actor, calendar=calendar, episode_id=episode_id, data=data)
    return send_request(session, actor=actor, request_id=request.id, transport_factory=transport_factory)


def record_acknowledged(session: Session, *, actor: Actor, request_id: int, version: int | None = None,
                        at: datetime | None = None) -> RecordsRequest:
    """The provider confirmed they have the request: the follow-up clock restarts from here."""
    request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
    _check_version("records request", request, version)
    if request.status != "sent":
        raise Conflict(FieldProblem("status", "is_sent", f"Request {request.reference} is {request.status}; only a sent request can be acknowledged"))
    request.status = "acknowledged"
    request.acknowledged_at = at or utcnow()
    session.flush()
    audit.record(session, actor, "records_request.acknowledged", object_type="records_request", object_id=request.id, patient_id=request.patient_id)
    return request


def record_follow_up(session: Session, *, actor: Actor, request_id: int, method: str = "phone", version: int | None = None,
                     at: datetime | None = None) -> RecordsRequest:
    """Staff chased the provider; a second silence after this escalates."""
    request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
    _check_version("records request", request, version)
    if request.status not in ("sent", "acknowledged", "incomplete"):
        raise Conflict(FieldProblem("status", "awaiting_records", f"Request {request.reference} is {request.status}; there is nothing to follow up"))
    when = at or utcnow()
    request.follow_ups = [*request.follow_ups, {"at": when.isoformat(), "by": actor.user_id, "method": method}]
    request.follow_up_count += 1
    session.flush()
    audit.record(session, actor, "records_request.follow_up", object_type="records_request", object_id=request.id,
                 patient_id=request.patient_id, detail={"number": request.follow_up_count, "method": method})
    return request


def letter_pdf(session: Session, *, actor: Actor, request_id: int) -> tuple[RecordsRequest, bytes]:
    """The request letter (to print it, or to see what was sent). Reading it is audited: it holds PHI."""
    request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
    stored = session.get(RecordsFile, request.letter_file_id)
    audit_access.note_shown(session, actor, patient_id=request.patient_id, object_type="records_request_letter", object_id=request.id)
    return request, stored.data


# Documents --------------------------------------------------------------------------------------

def upload_document(
    session: Session, *, actor: Actor, episode_id: int, filename: str | None, data: bytes,
    request_id: int | None = None, items: Sequence[str] = (),
) -> RecordsDocument:
    """File a received PDF or image to the episode; against a request, mark it received or incomplete.

    The type is decided by the file's first bytes, never by its name or the browser's claim."""
    _patient, episode = _episode(session, actor, episode_id, must_be_open=False)
    problems: list[FieldProblem] = []
    name = clean_filename(filename)
    content_type = rules.sniff_content_type(data[:16])
    if not data:
        problems.append(FieldProblem("file", "required", "Choose a file to upload"))
    elif len(data) > rules.MAX_UPLOAD_BYTES:
        problems.append(FieldProblem("file", "max_size", f"{name} is larger than the limit; upload {size_limit_words(rules.MAX_UPLOAD_BYTES)}"))
    elif content_type is None:
        problems.append(FieldProblem("file", "file_type", f"{name} is not a PDF, PNG or JPEG file (its contents were checked, not its name)"))
    elif content_type == "application/pdf" and not is_readable_pdf(data):
        problems.append(FieldProblem("file", "readable_pdf", f"{name} starts like a PDF but cannot be opened as one; scan or save it again"))
    request = None
    unknown = [i for i in items if i not in ITEM_LABELS]
    if unknown:
        problems.append(FieldProblem("items", "known_item", f"Unknown record item {unknown[0]!r}"))
    if request_id is not None:
        request = get_request(session, clinic_id=actor.clinic_id, request_id=request_id)
        requested = [i["item"] for i in request.items]
        if request.episode_id != episode.id:
            problems.append(FieldProblem("request_id", "same_episode", f"Request {request.reference} belongs to another episode"))
        elif not items:
            problems.append(FieldProblem("items", "required", "Tick the requested items this document contains"))
        elif not set(items) <= set(requested):
            extra = ", ".join(ITEM_LABELS.get(i, i) for i in items if i not in requested)
            problems.append(FieldProblem("items", "requested_items", f"{extra} was not asked for in {request.reference}"))
    if problems:
        raise InvalidInput(problems)
    stored = _store(session, episode.clinic_id, data, content_type)
    now = utcnow()
    document = RecordsDocument(
        clinic_id=episode.clinic_id, episode_id=episode.id, request_id=request_id, file_id=stored.id, filename=name,
        content_type=content_type, size_bytes=len(data), sha256=stored.sha256, items=list(dict.fromkeys(items)),
        uploaded_by_id=actor.user_id, uploaded_at=now,
    )
    session.add(document)
    session.flush()
    audit.record(session, actor, "records_document.upload", object_type="records_document", object_id=document.id,
                 patient_id=episode.patient_id, detail={"request_id": request_id, "content_type": content_type,
                                                       "size_bytes": len(data), "items": document.items})
    if request is not None:
        _mark_received(session, actor, request, now)
    return document


def _covered(session: Session, request_ids: Iterable[int]) -> dict[int, set[str]]:
    covered: dict[int, set[str]] = {}
    ids = list(request_ids)
    for start in range(0, len(ids), _CHUNK):
        for request_id, items in session.execute(
            select(RecordsDocument.request_id, RecordsDocument.items).where(RecordsDocument.request_id.in_(ids[start : start + _CHUNK]))
        ):
            covered.setdefault(request_id, set()).update(items or [])
    return covered


def _mark_received(session: Session, actor: Actor, request: RecordsRequest, now: datetime) -> None:
    requested = [i["item"] for i in request.items]
    covered = _covered(session, [request.id]).get(request.id, set())
    status = rules.status_after_documents(requested, covered)
    request.status = status
    request.received_at = now
    request.next_attempt_at = None  # whatever the send state, the records came: stop resending
    session.flush()
    audit.record(session, actor, f"records_request.{status}", object_type="records_request", object_id=request.id,
                 patient_id=request.patient_id, detail={"missing": rules.missing_items(requested, covered)})


def document_content(session: Session, *, actor: Actor, document_id: int) -> tuple[RecordsDocument, bytes]:
    """A filed document's bytes; every read is audited."""
    document = session.get(RecordsDocument, document_id)
    if document is None or document.clinic_id != actor.clinic_id:
        raise NotFound("document", document_id)
    stored = session.get(RecordsFile, document.file_id)
    patient_id = _patient_of(session, document.episode_id)
    audit_access.note_shown(session, actor, patient_id=patient_id, object_type="records_document", object_id=document.id)
    return document, stored.data


def list_documents(session: Session, *, clinic_id: int, episode_id: int) -> list[RecordsDocument]:
    return list(session.scalars(
        select(RecordsDocument).where(RecordsDocument.clinic_id == clinic_id, RecordsDocument.episode_id == episode_id)
        .order_by(RecordsDocument.uploaded_at, RecordsDocument.id)
    ))


# Checklist and tracker --------------------------------------------------------------------------

def list_requests(session: Session, *, clinic_id: int, episode_id: int) -> list[RecordsRequest]:
    return list(session.scalars(
        select(RecordsRequest).where(RecordsRequest.clinic_id == clinic_id, RecordsRequest.episode_id == episode_id).order_by(RecordsRequest.id)
    ))


@orders.register_request_ids
def _episode_request_ids(session: Session, clinic_id: int, episode_id: int) -> set[int]:
    """The records requests an imaging report filed on the episode may name (orders checks with it)."""
    return set(session.scalars(select(RecordsRequest.id).where(RecordsRequest.clinic_id == clinic_id, RecordsRequest.episode_id == episode_id)))


def first_request_times(session: Session, *, episode_ids: Sequence[int]) -> dict[int, datetime]:
    """When each episode's first records request was made: intake's same-day duty asks this."""
    found: dict[int, datetime] = {}
    ids = list(episode_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(RecordsRequest.episode_id, func.min(RecordsRequest.created_at))
            .where(ids_in(session, RecordsRequest.episode_id, ids[start : start + _CHUNK]))
            .group_by(RecordsRequest.episode_id)
        )
        found.update({episode_id: at for episode_id, at in rows})
    return found


intake_service.read_first_records_requests_with(
    lambda session, episode_ids: first_request_times(session, episode_ids=episode_ids))


def records_checklist(session: Session, episode_id: int) -> list[ChecklistItem]:
    """Every requested item of the episode, by provider: present, awaited, not sent, failed or missing."""
    rows = session.execute(
        select(RecordsRequest.id, PriorProvider.name, RecordsRequest.status, RecordsRequest.items)
        .join(PriorProvider, PriorProvider.id == RecordsRequest.provider_id)
        .where(RecordsRequest.episode_id == episode_id)
        .order_by(RecordsRequest.id)
    ).all()
    covered = _covered(session, [r.id for r in rows])
    return rules.checklist(
        ChecklistFacts(request_id=r.id, provider=r.name, status=r.status, requested=tuple(i["item"] for i in r.items),
                       covered=frozenset(covered.get(r.id, ())))
        for r in rows
    )


def records_ready(session: Session, episode_id: int) -> bool:
    """True when every requested record is on file (and when nothing was requested)."""
    return rules.ready(records_checklist(session, episode_id))


@dataclass(frozen=True)
class EpisodeRecords:
    """Everything the episode's records tracker shows."""

    patient: Patient
    episode: Episode
    providers: list[PriorProvider]
    requests: list[RecordsRequest]
    documents: list[RecordsDocument]
    checklist: list[ChecklistItem]

    @property
    def ready(self) -> bool:
        return rules.ready(self.checklist)


def episode_records(session: Session, *, actor: Actor, episode_id: int) -> EpisodeRecords:
    """The episode's providers, requests, documents and checklist (an audited chart read)."""
    patient, episode = _episode(session, actor, episode_id, must_be_open=False)
    clinic_id = episode.clinic_id
    return EpisodeRecords(
        patient=patient, episode=episode,
        providers=list_providers(session, clinic_id=clinic_id, episode_id=episode.id),
        requests=list_requests(session, clinic_id=clinic_id, episode_id=episode.id),
        documents=list_documents(session, clinic_id=clinic_id, episode_id=episode.id),
        checklist=records_checklist(session, episode.id),
    )


@dataclass(frozen=True)
class OutstandingRow:
    request_id: int
    reference: str
    episode_id: int
    patient_id: int
    patient_name: str
    mrn: str
    provider: str
    transport: str
    status: str
    items: list[str]
    sent_at: datetime | None
    created_at: datetime
    business_days: int  # since sent (or since created, when not sent yet)
    follow_up_count: int
    last_error: str | None


SORTS = ("age", "provider", "status")


def outstanding(session: Session, *, clinic_id: int, calendar: BusinessCalendar, now: datetime | None = None,
                sort: str = "age", limit: int = 500, viewer: Actor | None = None) -> list[OutstandingRow]:
    """Requests not yet fully answered across the clinic: from whom, for whom, and for how long.
    With `viewer`, only the rows of episodes on their caseload (chart-access policy)."""
    now = now or utcnow()
    query = (
        select(RecordsRequest, PriorProvider.name, Patient.family_name, Patient.given_name, Patient.mrn)
        .join(PriorProvider, PriorProvider.id == RecordsRequest.provider_id)
        .join(Patient, Patient.id == RecordsRequest.patient_id)
        .where(RecordsRequest.clinic_id == clinic_id, RecordsRequest.status.in_(rules.OUTSTANDING))
        .where(true() if viewer is None else chart_access.caseload_filter(viewer, RecordsRequest.episode_id))
        .order_by(RecordsRequest.id)
        .limit(limit)
    )
    rows = []
    for request, provider, family, given, mrn in session.execute(query):
        since = request.sent_at or request.created_at
        rows.append(OutstandingRow(
            request_id=request.id, reference=request.reference, episode_id=request.episode_id, patient_id=request.patient_id,
            patient_name=f"{family}, {given}", mrn=mrn, provider=provider, transport=request.transport, status=request.status,
            items=[rules.label(i["item"]) for i in request.items], sent_at=request.sent_at, created_at=request.created_at,
            business_days=rules.business_days_waiting(calendar, since, now), follow_up_count=request.follow_up_count,
            last_error=request.last_error,
        ))
    if sort == "provider":
        rows.sort(key=lambda r: (r.provider.lower(), r.request_id))
    elif sort == "status":
        rows.sort(key=lambda r: (rules.OUTSTANDING.index(r.status), -r.business_days, r.request_id))
    else:  # oldest first: the longest silence is the most urgent
        rows.sort(key=lambda r: (-r.business_days, r.sent_at or r.created_at, r.request_id))
    return rows


# Facts for the obligation provider ---------------------------------------------------------------

def request_facts(session: Session, *, episode_ids: Sequence[int] | None) -> list[RequestFacts]:
    """Facts the tracking rules need, for the given episodes or every open one."""
    episodes = {f.episode_id: f for f in patients_service.episode_facts(session, episode_ids=None if episode_ids is None else list(episode_ids))}
    ids = sorted(episodes)
    found: list[RequestFacts] = []
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(RecordsRequest, PriorProvider.name)
            .join(PriorProvider, PriorProvider.id == RecordsRequest.provider_id)
            .where(ids_in(session, RecordsRequest.episode_id, ids[start : start + _CHUNK]))
            .order_by(RecordsRequest.id)
        ).all()
        incomplete = [r.id for r, _name in rows if r.status == "incomplete"]
        covered = _covered(session, incomplete) if incomplete else {}
        for r, name in rows:
            requested = [i["item"] for i in r.items]
            found.append(RequestFacts(
                request_id=r.id, episode_id=r.episode_id, patient_id=r.patient_id, clinic_id=r.clinic_id,
                episode_open=episodes[r.episode_id].status == "open", provider_name=name, transport=r.transport,
                status=r.status, attempts=r.attempts, last_error=r.last_error, failed_at=r.failed_at, sent_at=r.sent_at,
                acknowledged_at=r.acknowledged_at, received_at=r.received_at,
                follow_ups=tuple((datetime.fromisoformat(f["at"]), f.get("method", "")) for f in r.follow_ups or []),
                missing=tuple(rules.missing_items(requested, covered.get(r.id, set()))) if r.status == "incomplete" else (),
            ))
    return found


def transport_label(name: str) -> str:
    return TRANSPORT_LABELS.get(name, name)
