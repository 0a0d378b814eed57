"""The records-request letter renders to a PDF whose text carries everything a records clerk needs."""

from __future__ import annotations

import io
from datetime import date

import pypdf

from painpath.documents.records_request import RecordsRequestLetter, RequestedItem, records_request_html, render_records_request
from painpath.documents.render import render_pdf

LETTER = RecordsRequestLetter(
    reference="RR-000042",
    letter_date=date(2026, 1, 5),
    clinic_name="Riverside Pain & Spine",
    clinic_phone="555-0101",
    return_fax="555-0100",
    reply_direct_address="records@direct.riverside.test",
    provider_name="Lakeside Imaging",
    provider_fax="555-010-0199",
    patient_name="Dana Okafor",
    patient_birth_date=date(1981, 3, 14),
    patient_mrn="MRN-1001",
    items=(
        RequestedItem("MRI reports", date(2025, 12, 1), date(2026, 1, 5)),
        RequestedItem("Office notes", date(2025, 12, 15)),
        RequestedItem("Medication list"),
    ),
    authorization_reference="HIPAA release form R-7, scanned to chart",
    authorization_date=date(2026, 1, 5),
    requesting_clinician="Dr. Maya Chen",
)


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # Line breaks in extracted text depend on layout; compare on single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_letter_carries_the_clinic_the_patient_the_items_and_how_to_reply():
    pdf = render_records_request(LETTER)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in (
        "Riverside Pain & Spine", "Phone 555-0101", "Return fax 555-0100",  # clinic
        "5 January 2026",  # date of the letter
        "Lakeside Imaging",
        "Dana Okafor", "03/14/1981", "MRN-1001",  # patient identifiers
        "MRI reports", "12/01/2025 to 01/05/2026", "Office notes", "from 12/15/2025", "Medication list", "all dates",
        "HIPAA release form R-7, scanned to chart", "signed 5 January 2026",  # authorization
        "Requesting clinician: Dr. Maya Chen",
        "Please send the records by fax 555-0100 or Direct secure message to records@direct.riverside.test, quoting reference RR-000042.",
        "Records request RR-000042",  # footer on every page
    ):
        assert expected in text, expected


def test_names_are_text_never_markup():
    letter = RecordsRequestLetter(**{**LETTER.__dict__, "provider_name": "<b>Bold</b> & Sons Imaging"})
    html = records_request_html(letter)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Sons Imaging" in html
    assert "<b>Bold" in _text(render_records_request(letter))


def test_the_renderer_takes_any_template_directory(tmp_path):
    (tmp_path / "note.html").write_text("<p>Work restriction for {{ name }}</p>")
    assert "Work restriction for Dana" in _text(render_pdf("note.html", {"name": "Dana"}, template_dirs=[tmp_path]))
