"""The referral letter to a receiving practice: the reason, the clinical question, the urgency, the records
enclosed, the clinic's details and the responsible clinician."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from painpath.documents.render import render_pdf

TEMPLATE = "documents/referral_letter.html"


@dataclass(frozen=True)
class ReferralLetter:
    reference: str  # our referral reference, quoted back with the consult note
    letter_date: date
    clinic_name: str
    clinic_phone: str | None
    clinic_fax: str | None
    clinic_npi: str | None
    practice_name: str
    practice_clinician: str | None
    practice_fax: str | None
    specialty: str
    urgency: str  # routine | urgent
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    reason: str
    question: str
    records: tuple[str, ...]  # labels of the documents enclosed
    responsible_clinician: str
    responsible_clinician_npi: str | None = None

    def reply_to(self) -> str:
        how = f"fax {self.clinic_fax}" if self.clinic_fax else f"mail to {self.clinic_name}"
        return f"Please send the consult note by {how}, quoting reference {self.reference}."


def render_referral_letter(letter: ReferralLetter) -> bytes:
    """The letter as PDF bytes."""
    return render_pdf(TEMPLATE, {"letter": letter})
