"""The standardized records-request letter sent to a prior provider or imaging center."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from painpath.documents.render import render_html, render_pdf

TEMPLATE = "documents/records_request.html"


@dataclass(frozen=True)
class RequestedItem:
    label: str  # "MRI reports"
    date_from: date | None = None
    date_to: date | None = None

    @property
    def date_range(self) -> str:
        if self.date_from and self.date_to:
            return f"{self.date_from:%m/%d/%Y} to {self.date_to:%m/%d/%Y}"
        if self.date_from:
            return f"from {self.date_from:%m/%d/%Y}"
        if self.date_to:
            return f"up to {self.date_to:%m/%d/%Y}"
        return "all dates"


@dataclass(frozen=True)
class RecordsRequestLetter:
    reference: str  # our request reference, quoted back on the reply
    letter_date: date
    clinic_name: str
    clinic_phone: str | None
    return_fax: str | None
    reply_direct_address: str | None
    provider_name: str
    provider_fax: str | None
    patient_name: str
    patient_birth_date: date
    patient_mrn: str
    items: tuple[RequestedItem, ...]
    authorization_reference: str
    authorization_date: date
    requesting_clinician: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def reply_to(self) -> str:
        ways = []
        if self.return_fax:
            ways.append(f"fax {self.return_fax}")
        if self.reply_direct_address:
            ways.append(f"Direct secure message to {self.reply_direct_address}")
        how = " or ".join(ways) if ways else f"mail to {self.clinic_name}"
        return f"Please send the records by {how}, quoting reference {self.reference}."


def records_request_html(letter: RecordsRequestLetter) -> str:
    return render_html(TEMPLATE, {"letter": letter, "reply_to": letter.reply_to()})


def render_records_request(letter: RecordsRequestLetter) -> bytes:
    """The letter as PDF bytes."""
    return render_pdf(TEMPLATE, {"letter": letter, "reply_to": letter.reply_to()})
