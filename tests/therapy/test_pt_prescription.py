"""The PT prescription PDF says something (emphasis, progression, precautions, frequency, duration,
diagnosis, goals) and reaches the partner practice through the fax gateway."""

from __future__ import annotations

import email
import email.policy
import io
import json
from datetime import datetime, timezone

import pypdf
import pytest
import time_machine
from sqlalchemy import select

from painpath.core.audit import AuditEvent
from smtp_relay import smtp_relay  # noqa: F401  (fixture)

NOW = datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)
LUMBAR = {"problem_summary": "Mechanical low back pain after lifting", "body_region": "lumbar", "laterality": "bilateral",
          "onset_date": "2026-08-01", "icd10_codes": ["M54.50"]}


@pytest.fixture(autouse=True)
def clock():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(client_for, staff, patient_payload) -> dict:
    coordinator = client_for("coordinator")
    patient_id = coordinator.post("/api/patients", json=patient_payload).json()["id"]
    episode_id = coordinator.post(f"/api/patients/{patient_id}/episodes", json=LUMBAR).json()["id"]
    made = client_for("clinician").post(f"/api/episodes/{episode_id}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Lakeside Physical Therapy",
        "practice_kind": "partner", "practice_fax": "(555) 010-0199", "start_date": "2026-11-02",
        "goals": "Sit through a 2-hour shift without standing\nLift a 20 lb box from the floor"})
    assert made.status_code == 201, made.text
    return made.json()


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


EXPECTED = (
    "Physical therapy prescription: Lumbar stabilization (McGill big three to dead-bug progression)",
    "Dana Okafor", "MRN-1001", "Mechanical low back pain after lifting (M54.50)",  # patient and diagnosis
    "2 visits per week for 6 weeks, starting 2 November 2026",  # frequency and duration
    "Trunk endurance and a neutral spine under load",  # emphasis
    "Big three, short holds", "McGill curl-up", "Dead-bug variations", "Band-resisted dead bug",  # progression
    "Avoid repeated extension if symptomatic",  # precautions
    "Sit through a 2-hour shift without standing", "Lift a 20 lb box from the floor",  # the course's goals
    "Therapist User, Lakeside Physical Therapy", "Clinician User", "Riverside Pain & Spine",
)


def test_the_prescription_pdf_says_what_to_do(client_for, course, db):
    response = client_for("clinician").get(f"/api/pt-courses/{course['id']}/prescription.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = _text(response.content)
    for expected in EXPECTED:
        assert expected in text, expected
    assert text.index("Big three, short holds") < text.index("Dead-bug variations")
    with db.session() as session:
        read = session.scalars(select(AuditEvent).where(AuditEvent.action == "chart.read").order_by(AuditEvent.id.desc())).first()
    assert read.patient_id == course["patient_id"] and f"pt_prescription:{course['id']}" in read.detail["shown"]


def test_the_prescription_is_faxed_to_the_partner_practice(client_for, course, smtp_relay, db):  # noqa: F811
    sent = client_for("coordinator").post(f"/api/pt-courses/{course['id']}/prescription/send", json={"transport": "fax"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["prescription_sent_to"] == "5550100199@fax.gateway.test"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["5550100199@fax.gateway.test"]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    reference = f"PT-{course['id']:05d}"
    assert message["Subject"] == reference  # no PHI in the subject
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = _text(attachment.get_content())
    assert "Avoid repeated extension if symptomatic" in text and "Dana Okafor" in text
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "pt_prescription.sent")).one()
    assert event.detail == {"transport": "fax", "recipient": "5550100199@fax.gateway.test"}
    assert "Okafor" not in json.dumps(event.detail)


def test_a_course_without_a_fax_number_cannot_be_faxed(client_for, staff, course, smtp_relay):  # noqa: F811
    onsite = client_for("clinician").post(f"/api/episodes/{course['episode_id']}/pt-courses", json={
        "protocol_id": "lumbar_stabilization", "therapist_id": staff["therapist"].id, "practice_name": "Riverside PT (onsite)",
        "start_date": "2026-11-02"}).json()
    refused = client_for("coordinator").post(f"/api/pt-courses/{onsite['id']}/prescription/send", json={"transport": "fax"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "practice_fax"
    assert smtp_relay.messages == []
    printed = client_for("coordinator").post(f"/api/pt-courses/{onsite['id']}/prescription/send", json={"transport": "print"})
    assert printed.status_code == 200 and printed.json()["prescription_sent_to"] == "printer"
