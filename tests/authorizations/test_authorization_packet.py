"""The prior-authorization packet PDF for a lumbar RFA case under Medicare (journey J6's facts, recorded
through the API): the cover letter quotes the payer's criteria, the payer, the procedure, the exam,
the ODI, the functional limits, the conservative care, the MRI and the diagnostic-block relief table;
the kit's PDF documents follow the cover."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from authorization_setup import (
    FACET_LUMBAR,
    FACET_MRI_SUMMARY,
    MEDICARE,
    MONDAY_7_DEC_2026,
    RFA,
    facet_workup,
    frozen_clock,
    new_episode,
    open_case,
    record_block,
)
from painpath.authorizations import service
from painpath.authorizations.schemas import DocumentIn
from painpath.core.audit import Actor, AuditEvent
from painpath.documents.render import html_to_pdf

clock = frozen_clock(MONDAY_7_DEC_2026)


@pytest.fixture
def rfa_case(client_for, patient_payload, staff, clock) -> dict:
    """A lumbar RFA case with two qualifying blocks (85% and 82%), PT, an MRI, an ODI, an exam and measures."""
    coordinator, clinician = client_for("coordinator"), client_for("clinician")
    episode_id = new_episode(coordinator, patient_payload, {**FACET_LUMBAR, "responsible_clinician_id": staff["clinician"].id},
                             MEDICARE)
    odi = facet_workup(coordinator, clinician, episode_id)
    visit = clinician.post(f"/api/episodes/{episode_id}/encounters",
                           json={"encounter_type": "follow_up", "date_of_service": "2026-11-20"})
    assert visit.status_code == 201, visit.text
    measures = {"sitting_minutes": 20, "walking_minutes": 15, "lifting_limit_lb": 10, "sleep_hours": 4.5}
    assert clinician.put(f"/api/encounters/{visit.json()['id']}/measures", json=measures).status_code == 200
    exam = {"facet_loading": {"left": "positive", "right": "positive"},
            "straight_leg_raise": {"left": {"result": "negative"}, "right": {"result": "negative"}},
            "reasoning": "Axial pain reproduced by facet loading; no radicular signs"}
    assert clinician.put(f"/api/encounters/{visit.json()['id']}/exam", json=exam).status_code == 200
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", 82)
    case = open_case(coordinator, episode_id, **RFA)
    assert case["decision"]["outcome"] == "eligible_now", case["decision"]["summary"]
    return {"case": case, "odi_total": odi["total"], "episode_id": episode_id}


def _pdf_text(data: bytes) -> tuple[str, list[str]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    return " ".join(pages), pages


def _packet(client, case_id: int) -> bytes:  # noqa: ANN001
    answer = client.get(f"/api/authorizations/{case_id}/packet.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    return answer.content


def test_the_cover_letter_quotes_the_criteria_and_the_evidence(client_for, rfa_case, ctx):
    case = rfa_case["case"]
    text, _pages = _pdf_text(_packet(client_for("coordinator"), case["id"]))
    squeezed = text.replace(" ", "")

    assert "Medicare Part B (Noridian JF)" in text
    procedure = ctx.knowledge.procedures["rfa_lumbar"]
    assert procedure.name in text
    assert "64635" in text and "64636" in text and "M47.816" in text
    assert "1EG4TE5MK73" in text  # the member id from the primary coverage
    # Every criterion of the policy, in the payer's words, with how it is met.
    for criterion in case["decision"]["criteria"]:
        assert " ".join(criterion["label"].split()).replace(" ", "") in squeezed, criterion["label"]
    blocks = next(c for c in case["decision"]["criteria"] if c["type"] == "diagnostic_blocks")
    assert " ".join(blocks["explanation"].split()).replace(" ", "") in squeezed

    # The diagnostic-block relief table: date, levels, baseline, relief, hours after, scale.
    assert "Diagnostic block relief" in text
    assert "10/01/2026" in text and "10/16/2026" in text
    assert "85%" in text and "82%" in text
    assert "L4-5, L5-S1 (bilateral)" in text and "7/10" in text and "NRS" in text

    # Scores with dates, functional limits, the exam, conservative care and imaging.
    assert "Oswestry Disability Index" in text and f"{rfa_case['odi_total']:g}" in text and "09/15/2026" in text
    assert "Sitting tolerance" in text and "20 minutes" in text and "Lifting limit" in text and "10 pounds" in text
    assert "Sleep" in text and "4.5 hours" in text
    assert "Facet loading: left positive, right positive" in text
    assert "PT, core stabilization, 10 weeks" in text and "06/01/2026" in text and "08/15/2026" in text
    assert "Did not give enough relief" in text
    assert FACET_MRI_SUMMARY in text and "09/01/2026" in text
    assert "Requesting clinician: Clinician User" in text


def test_attached_pdf_documents_follow_the_cover(client_for, rfa_case, ctx, db, staff, clinic):
    case = rfa_case["case"]
    coordinator = client_for("coordinator")
    first = _packet(coordinator, case["id"])
    before = pypdf.PdfReader(io.BytesIO(first))
    assert "No documents attached." in _pdf_text(first)[0]

    attachment = html_to_pdf("<h1>PT discharge summary</h1><p>Ten visits, no lasting improvement.</p>"
                             "<p style='page-break-before: always'>Page two of the PT summary</p>")
    attached_pages = len(pypdf.PdfReader(io.BytesIO(attachment)).pages)
    assert attached_pages == 2
    actor = Actor(user_id=staff["coordinator"].id, label="coordinator", clinic_id=clinic.id, role="coordinator")
    with db.session() as session:
        service.add_document(session, actor=actor, calendar=ctx.calendar, case_id=case["id"], content=attachment, content_type="application/pdf",
                             data=DocumentIn(kind="pt_notes", title="PT discharge summary", document_date=date(2026, 8, 15)))
        service.add_document(session, actor=actor, calendar=ctx.calendar, case_id=case["id"],
                             data=DocumentIn(kind="home_exercise_program", title="Home exercise handout", document_date=date(2026, 8, 15)))

    reads_before = _chart_reads(db, rfa_case["episode_id"])
    packet = _packet(coordinator, case["id"])
    text, pages = _pdf_text(packet)
    assert len(pages) == len(before.pages) + attached_pages
    assert "PT discharge summary" in pages[-2] and "Page two of the PT summary" in pages[-1]
    # The cover lists what is attached and what is only on file.
    assert "Attached after this letter" in text and "PT discharge summary (08/15/2026)" in text
    assert "Also on file and available on request: Home exercise handout" in text

    # Reading the packet is a chart read, audited once per packet.
    assert _chart_reads(db, rfa_case["episode_id"]) == reads_before + 1


def _chart_reads(db, episode_id: int) -> int:  # noqa: ANN001
    with db.session() as session:
        return len(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "chart.read", AuditEvent.object_type == "episode", AuditEvent.object_id == str(episode_id))).all())


def test_a_billing_user_reads_the_packet_but_another_clinic_cannot(client_for, rfa_case):
    assert client_for("billing").get(f"/api/authorizations/{rfa_case['case']['id']}/packet.pdf").status_code == 200
    assert client_for("coordinator").get("/api/authorizations/999999/packet.pdf").status_code == 404


def test_the_history_criteria_read_is_printed_so_the_reviewer_sees_the_evidence(client_for, rfa_case):
    """A criterion met from the patient's history (a cotinine for fusion, a failed surgery for stimulation)
    must show its evidence on paper, as a kit document would; with no history, no History section."""
    coordinator = client_for("coordinator")
    case = rfa_case["case"]
    assert "History" not in _pdf_text(_packet(coordinator, case["id"]))[1][0].split("Pain diagram")[0]
    saved = client_for("nurse").put(f"/api/patients/{case['patient_id']}/history", json={
        "smoking_status": "former", "pack_years": 12.5, "quit_year": 2025, "cotinine_ng_ml": 4, "cotinine_on": "2026-12-02",
        "surgeries": [{"procedure": "L4-5 laminectomy", "year": 2019, "region": "lumbar", "outcome": "no_relief"},
                      {"procedure": "Appendectomy", "year": 2004, "region": "other", "outcome": "helped"}],
    })
    assert saved.status_code == 200, saved.text

    text, _pages = _pdf_text(_packet(coordinator, case["id"]))
    assert "As recorded in the patient's history at this clinic" in text
    assert "Smoking: Former smoker, 12.5 pack-years; cotinine 4 ng/mL on 2 December 2026" in text
    assert "Surgery: Appendectomy (2004, elsewhere): helped" in text
    assert "Surgery: L4-5 laminectomy (2019, low back (lumbar)): no relief" in text
    assert text.index("Appendectomy") < text.index("L4-5 laminectomy")  # oldest first
