"""The PT prescription PDF and its sending to the therapist's practice through a transport plugin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from painpath.core import audit, audit_access
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import utcnow
from painpath.core.errors import Conflict, FieldProblem
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.interop.transports import OutboundDocument, Transport, TransportError, transport_for
from painpath.therapy.models import PtCourse
from painpath.therapy.service import get_course

TEMPLATE = "documents/pt_prescription.html"
TransportFactory = Callable[[str], Transport]


@dataclass(frozen=True)
class PhaseLine:
    weeks: str  # "1-2"
    name: str
    exercises: tuple[str, ...]
    progression: str


@dataclass(frozen=True)
class EmphasisLine:
    focus: str
    why: str  # in the patient's words: the therapist can read it to them


@dataclass(frozen=True)
class Prescription:
    reference: str  # no PHI: it goes into fax subjects and logs
    written_on: date
    clinic_name: str
    clinic_phone: str | None
    return_fax: str | None
    therapist_name: str
    practice_name: str
    practice_fax: str | None
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    diagnosis: str
    protocol_name: str
    emphasis: str
    why: tuple[EmphasisLine, ...]  # why these exercises, one line per emphasis of the protocol
    phases: tuple[PhaseLine, ...]
    precautions: tuple[str, ...]
    frequency_per_week: int
    duration_weeks: int
    start_date: date
    goals: tuple[str, ...]
    prescriber_name: str


def _weeks(weeks: list[int]) -> str:
    return str(weeks[0]) if len(weeks) == 1 else f"{weeks[0]}-{weeks[-1]}"


def reference_of(course: PtCourse) -> str:
    return f"PT-{course.id:05d}"


def build(session: Session, *, actor: Actor, knowledge, course_id: int) -> tuple[PtCourse, Prescription]:  # noqa: ANN001
    """The prescription's content from the course, its protocol pack and the chart (a chart read, audited)."""
    patient, episode, course = get_course(session, actor=actor, course_id=course_id)
    protocol = knowledge.pt_protocols[course.protocol_id]
    clinic = session.get(Clinic, course.clinic_id)
    therapist = session.get(User, course.therapist_id)
    prescriber = session.get(User, course.created_by_id) if course.created_by_id else None
    codes = ", ".join(episode.icd10_codes or [])
    goals = tuple(g.strip() for g in course.goals.splitlines() if g.strip()) or tuple(protocol.goals)
    return course, Prescription(
        reference=reference_of(course), written_on=utcnow().date(), clinic_name=clinic.name, clinic_phone=clinic.phone,
        return_fax=clinic.return_fax, therapist_name=therapist.display_name, practice_name=course.practice_name,
        practice_fax=course.practice_fax, patient_name=f"{patient.given_name} {patient.family_name}",
        patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        diagnosis=f"{episode.problem_summary} ({codes})" if codes else episode.problem_summary,
        protocol_name=protocol.name, emphasis=protocol.emphasis, why=tuple(EmphasisLine(e.focus, e.why) for e in protocol.emphases),
        phases=tuple(PhaseLine(_weeks(p.weeks), p.name, tuple(p.exercises), p.progression) for p in protocol.phases),
        precautions=tuple(protocol.precautions), frequency_per_week=course.frequency_per_week, duration_weeks=course.duration_weeks,
        start_date=course.start_date, goals=goals, prescriber_name=prescriber.display_name if prescriber else actor.label,
    )


def render(prescription: Prescription) -> bytes:
    return render_pdf(TEMPLATE, {"rx": prescription})


def prescription_pdf(session: Session, *, actor: Actor, knowledge, course_id: int) -> tuple[PtCourse, bytes]:  # noqa: ANN001
    course, prescription = build(session, actor=actor, knowledge=knowledge, course_id=course_id)
    audit_access.note_shown(session, actor, patient_id=course.patient_id, object_type="pt_prescription", object_id=course.id)
    return course, render(prescription)


def send(session: Session, *, actor: Actor, knowledge, course_id: int, transport: str = "fax",  # noqa: ANN001
         transport_factory: TransportFactory = transport_for) -> PtCourse:
    """Send the prescription to the therapist's practice (fax) or mark it printed; audited either way."""
    course, prescription = build(session, actor=actor, knowledge=knowledge, course_id=course_id)
    if transport == "fax" and not course.practice_fax:
        raise Conflict(FieldProblem("practice_fax", "required", "The practice has no fax number; add it to the course or print"))
    message = OutboundDocument(
        reference=prescription.reference, recipient_name=course.practice_name, content=render(prescription),
        filename=f"pt-prescription-{prescription.reference}.pdf", sender_name=prescription.clinic_name, fax=course.practice_fax,
        cover_note=f"Physical therapy prescription {prescription.reference}",
    )
    try:
        receipt = transport_factory(transport).send(message)
    except TransportError as exc:
        # Nothing changed, so nothing to audit; the message says why in words staff can act on (no PHI).
        raise Conflict(FieldProblem("transport", "sent", str(exc))) from exc
    course.prescription_sent_at = receipt.sent_at
    course.prescription_sent_to = receipt.recipient
    session.flush()
    audit.record(session, actor, "pt_prescription.sent", object_type="pt_course", object_id=course.id, patient_id=course.patient_id,
                 detail={"transport": transport, "recipient": receipt.recipient})
    return course
