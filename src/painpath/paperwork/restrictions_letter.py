"""The work-restriction letter (PDF): specific and dated, for the employer. The summary sentence ("Light duty
for four weeks, no lifting over 15 pounds, ..."), each limit, valid until, the re-evaluation date, the measures
it rests on, and the clinician's signature line (signed, or left to sign on a draft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.auth.models import User
from painpath.core.tenancy import Clinic
from painpath.documents.render import render_pdf
from painpath.paperwork.models import ReturnToWorkStep, WorkRestriction
from painpath.paperwork.restrictions_duties import STEP_KINDS
from painpath.paperwork.restrictions_rules import DUTY_LEVELS, MEASURE_WORDS, day_words
from painpath.paperwork.restrictions_words import limits_in_words, summary_sentence
from painpath.patients.models import Patient

TEMPLATE = "paperwork/restrictions_letter_pdf.html"
TEMPLATE_DIRS = (Path(__file__).resolve().parent / "templates",)


@dataclass(frozen=True)
class RestrictionLetter:
    reference: str
    clinic_name: str
    clinic_phone: str | None
    clinic_fax: str | None
    patient_name: str
    patient_birth_date: date
    duty: str
    summary: str
    limits: tuple[str, ...]
    issued_on: date
    valid_until: date
    re_evaluate_on: date
    based_on: tuple[str, ...]
    steps: tuple[str, ...]  # the graded return-to-work plan's steps from the issue date on
    notes: str
    signed: bool
    clinician: str | None  # who signed it; None on a draft
    clinician_npi: str | None


def _weeks(restriction: WorkRestriction) -> int | None:
    days = (restriction.valid_until - restriction.issued_on).days
    return days // 7 if days % 7 == 0 else None


def letter_for(session: Session, *, restriction: WorkRestriction) -> RestrictionLetter:
    clinic = session.get(Clinic, restriction.clinic_id)
    patient = session.get(Patient, restriction.patient_id)
    signer = session.get(User, restriction.signed_by_id) if restriction.signed_by_id else None
    steps = session.scalars(select(ReturnToWorkStep).where(ReturnToWorkStep.episode_id == restriction.episode_id,
                                                           ReturnToWorkStep.starts_on >= restriction.issued_on)
                            .order_by(ReturnToWorkStep.starts_on))
    return RestrictionLetter(
        reference=restriction.reference, clinic_name=clinic.name, clinic_phone=clinic.phone, clinic_fax=clinic.return_fax,
        patient_name=f"{patient.given_name} {patient.family_name}", patient_birth_date=patient.birth_date,
        duty=DUTY_LEVELS.get(restriction.duty_level, restriction.duty_level), summary=summary_sentence(restriction, _weeks(restriction)),
        limits=tuple(limits_in_words(restriction)[1:]), issued_on=restriction.issued_on, valid_until=restriction.valid_until,
        re_evaluate_on=restriction.re_evaluate_on,
        based_on=tuple(f"{MEASURE_WORDS.get(m, m).capitalize()} measured on {day_words(date.fromisoformat(d))}" for m, d in restriction.based_on.items()),
        steps=tuple(f"From {day_words(s.starts_on)}: {STEP_KINDS.get(s.kind, s.kind).lower()}, {s.description}" for s in steps),
        notes=restriction.notes, signed=restriction.status == "signed", clinician=signer.display_name if signer else None,
        clinician_npi=signer.npi if signer else None,
    )


def letter_pdf(session: Session, *, restriction: WorkRestriction) -> bytes:
    return render_pdf(TEMPLATE, {"letter": letter_for(session, restriction=restriction)}, template_dirs=TEMPLATE_DIRS)
