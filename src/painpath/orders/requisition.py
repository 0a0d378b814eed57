"""The imaging requisition: what the centre needs to do the right study and answer the question (modality,
protocol, contrast, region and side, the clinical question, urgency, the relevant history, the patient,
the ordering clinician and the booked slot), as a PDF from documents/imaging_requisition.html."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from painpath.core import audit_access
from painpath.core.audit import Actor
from painpath.core.auth.models import User
from painpath.core.clock import BusinessCalendar, utcnow
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.knowledge.loader import Knowledge
from painpath.orders.models import ImagingOrder
from painpath.orders.order_rules import CONTRAST_WORDS, describe
from painpath.orders.rules import MODALITY_WORDS
from painpath.patients.models import Patient

TEMPLATE = "documents/imaging_requisition.html"


@dataclass(frozen=True)
class Requisition:
    reference: str  # no PHI: it goes into fax subjects and logs
    written_on: date
    clinic_name: str
    clinic_phone: str | None
    return_fax: str | None
    centre_name: str
    centre_fax: str | None
    centre_phone: str | None
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    study: str  # "MR arthrogram, right hip"
    modality: str
    protocol: str
    contrast: str
    region: str
    side: str
    clinical_question: str
    relevant_history: str
    urgency: str
    ordering_clinician: str
    slot: str  # "Tue 8 Dec 2026 12:30 (60 minutes)" or "To be booked by the centre"


def reference_of(order: ImagingOrder) -> str:
    return f"IMG-{order.id:05d}"


def build(session: Session, *, knowledge: Knowledge, calendar: BusinessCalendar, order: ImagingOrder) -> Requisition:
    clinic = session.get(Clinic, order.clinic_id)
    patient = session.get(Patient, order.patient_id)
    clinician = session.get(User, order.ordered_by_id) if order.ordered_by_id else None
    centre = knowledge.imaging_centres.get(order.centre_id or "")
    slot = "To be booked by the centre"
    if order.booked_for is not None:
        local = calendar.to_local(order.booked_for)
        slot = f"{local:%a} {local.day} {local:%b %Y %H:%M}" + (f" ({order.booked_minutes} minutes)" if order.booked_minutes else "")
    return Requisition(
        reference=reference_of(order), written_on=calendar.local_date(utcnow()), clinic_name=clinic.name, clinic_phone=clinic.phone,
        return_fax=clinic.return_fax, centre_name=centre.name if centre else "Imaging centre to be chosen",
        centre_fax=centre.fax if centre else None, centre_phone=centre.phone if centre else None,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date, patient_mrn=patient.mrn,
        study=describe(order.modality, order.region, order.side), modality=MODALITY_WORDS.get(order.modality, order.modality),
        protocol=order.protocol, contrast=CONTRAST_WORDS[order.contrast], region=order.region,
        side=order.side if order.side != "none" else "not applicable", clinical_question=order.clinical_question,
        relevant_history=order.relevant_history or "None given", urgency=order.urgency.capitalize(),
        ordering_clinician=clinician.display_name if clinician else "The clinic", slot=slot,
    )


def render(requisition: Requisition) -> bytes:
    return render_pdf(TEMPLATE, {"req": requisition})


def requisition_pdf(session: Session, *, actor: Actor, knowledge: Knowledge, calendar: BusinessCalendar, order: ImagingOrder) -> bytes:
    """The PDF for a person to open or print: a chart read, audited."""
    audit_access.note_shown(session, actor, patient_id=order.patient_id, object_type="imaging_order", object_id=order.id)
    return render(build(session, knowledge=knowledge, calendar=calendar, order=order))
