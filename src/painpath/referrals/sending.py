"""Sending a referral letter to the receiving practice, and sending it again: the flow with the side effect
that leaves the building, the way records requests do it (intake/records/sending.py).

`send_referral` commits twice on purpose: the referral is durable as `sending` before anything leaves, and
the outcome is committed as soon as the relay answers. A crash in between leaves a `sending` row that
`retry_due` picks up once it is clearly stuck. A failed send keeps the referral drafted (the send task
stays open and says why) and is retried with the records requests' backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from painpath.core import audit
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.db import Database
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from painpath.core.tenancy import Clinic
from painpath.documents.referral_letter import ReferralLetter, render_referral_letter
from painpath.intake.records import rules as records_rules
from painpath.intake.records.sending import transport_problems
from painpath.interop.transports import OutboundDocument, Transport, TransportError, transport_for
from painpath.patients.models import Patient
from painpath.referrals import service
from painpath.referrals.models import ReceivingPractice, Referral

TransportFactory = Callable[[str], Transport]
SENDABLE = ("none", "failed")


def letter_for(session: Session, *, knowledge, calendar: BusinessCalendar, referral: Referral) -> ReferralLetter:  # noqa: ANN001
    practice = session.get(ReceivingPractice, referral.practice_id)
    clinic = session.get(Clinic, referral.clinic_id)
    patient = session.get(Patient, referral.patient_id)
    clinician = session.get(User, referral.created_by_id) if referral.created_by_id else None
    return ReferralLetter(
        reference=referral.reference, letter_date=calendar.local_date(utcnow()), clinic_name=clinic.name, clinic_phone=clinic.phone,
        clinic_fax=clinic.return_fax, clinic_npi=clinic.npi, practice_name=practice.name, practice_clinician=practice.clinician_name,
        practice_fax=practice.fax, specialty=service.specialty_name(knowledge, referral.specialty), urgency=referral.urgency,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        reason=referral.reason, question=referral.question, records=tuple(r["label"] for r in referral.records),
        responsible_clinician=clinician.display_name if clinician else clinic.name,
        responsible_clinician_npi=clinician.npi if clinician else None,
    )


def letter_pdf(session: Session, *, knowledge, calendar: BusinessCalendar, referral: Referral) -> bytes:  # noqa: ANN001
    return render_referral_letter(letter_for(session, knowledge=knowledge, calendar=calendar, referral=referral))


def _stuck(referral: Referral, now: datetime) -> bool:
    return (referral.transmission == "sending" and referral.last_attempt_at is not None
            and now - referral.last_attempt_at >= records_rules.STUCK_AFTER)


def send_referral(session: Session, *, actor: Actor, knowledge, calendar: BusinessCalendar, referral_id: int,  # noqa: ANN001
                  transport: str, version: int | None = None, transport_factory: TransportFactory = transport_for) -> Referral:
    """Send a drafted referral's letter by `transport`. Commits twice (see the module's note). A refused or
    unreachable relay leaves it `failed` with the reason; it does not raise."""
    referral = service.get_referral(session, clinic_id=actor.clinic_id, referral_id=referral_id)
    if version is not None and referral.version != version:
        raise StaleWrite("referral", version, referral.version)
    now = utcnow()
    if referral.status != "drafted" or (referral.transmission not in SENDABLE and not _stuck(referral, now)):
        raise Conflict(FieldProblem("transport", "sendable", f"Referral {referral.reference} is already sent or being sent"))
    practice = session.get(ReceivingPractice, referral.practice_id)
    if problems := transport_problems(practice, transport):
        raise InvalidInput(problems)
    letter = letter_pdf(session, knowledge=knowledge, calendar=calendar, referral=referral)
    clinic = session.get(Clinic, referral.clinic_id)
    referral.transport = transport
    referral.transmission = "sending"
    referral.attempts += 1
    referral.last_attempt_at = now
    referral.next_attempt_at = None
    audit.record(session, actor, "referral.sending", object_type="referral", object_id=referral.id, patient_id=referral.patient_id,
                 detail={"attempt": referral.attempts, "transport": transport})
    try:
        session.flush()
    except StaleDataError as exc:  # someone else claimed it between our read and our write
        session.rollback()
        raise Conflict(FieldProblem("transport", "sendable", f"Referral {referral.reference} is already being sent")) from exc
    message = OutboundDocument(
        reference=f"Referral {referral.reference}", recipient_name=practice.name, content=letter,
        filename=f"referral-{referral.reference}.pdf", content_type="application/pdf", sender_name=clinic.name,
        fax=practice.fax, direct_address=practice.direct_address,
        cover_note=(f"Referral {referral.reference} from {clinic.name} is attached (PDF).\n"
                    f"Please acknowledge it and send the consult note quoting {referral.reference}.\n"),
    )
    session.commit()  # durable before anything leaves: a crash from here on leaves a retryable row

    failure: str | None = None
    receipt = None
    try:
        receipt = transport_factory(transport).send(message)
    except TransportError as exc:
        failure = str(exc)
    if receipt is not None:
        referral.transmission, referral.status = "sent", "sent"
        referral.sent_at = referral.state_since = receipt.sent_at
        referral.sent_to = receipt.recipient[:200]
        referral.last_error = None
        audit.record(session, actor, "referral.sent", object_type="referral", object_id=referral.id, patient_id=referral.patient_id,
                     detail={"attempt": referral.attempts, "transport": transport, "to": referral.sent_to})
    else:
        referral.transmission = "failed"
        referral.last_error = (failure or "unknown error")[:1000]
        referral.next_attempt_at = records_rules.next_retry_at(referral.last_attempt_at, referral.attempts)
        audit.record(session, actor, "referral.send_failed", object_type="referral", object_id=referral.id, patient_id=referral.patient_id,
                     detail={"attempt": referral.attempts, "transport": transport, "error": referral.last_error})
    session.commit()
    return referral


def retry_due(db: Database, *, knowledge, calendar: BusinessCalendar, now: datetime | None = None,  # noqa: ANN001
              transport_factory: TransportFactory = transport_for, after_send: Callable[[Session, list[int]], object] | None = None,
              limit: int = 100) -> int:
    """The retry pass: resend failed referrals whose backoff has passed, and those a crash left `sending`."""
    now = now or utcnow()
    stale = now - records_rules.STUCK_AFTER
    with db.session() as session:
        due = session.execute(
            select(Referral.id, Referral.clinic_id, Referral.transport)
            .where(Referral.status == "drafted", Referral.transport.is_not(None), or_(
                and_(Referral.transmission == "failed", Referral.next_attempt_at.is_not(None), Referral.next_attempt_at <= now),
                and_(Referral.transmission == "sending", Referral.last_attempt_at <= stale,
                     Referral.attempts < records_rules.MAX_AUTOMATIC_ATTEMPTS),
            )).order_by(Referral.next_attempt_at, Referral.id).limit(limit)
        ).all()
    attempted = 0
    for referral_id, clinic_id, transport in due:
        with db.session() as session:
            try:
                referral = send_referral(session, actor=Actor.system("referral-retry", clinic_id), knowledge=knowledge, calendar=calendar,
                                         referral_id=referral_id, transport=transport, transport_factory=transport_factory)
            except (Conflict, InvalidInput):
                continue  # a person (or another worker) got there first, or the practice's number was removed
            attempted += 1
            if after_send is not None:
                after_send(session, [referral.episode_id])
    return attempted
