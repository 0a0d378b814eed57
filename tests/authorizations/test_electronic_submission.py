"""Submitting an authorization case electronically: PAS over HTTP against our loopback PAS endpoint
(tests/pas_endpoint.py answers with the Da Vinci PAS IG examples, chosen by the first CPT code), and
the packet by fax through the loopback SMTP relay. The payer's synchronous answer lands on the case;
a request that does not get through leaves the case as it was (see authorizations/submission.py)."""

from __future__ import annotations

import base64
import email
import email.policy
import io
from datetime import datetime

import pypdf
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from authorization_setup import (  # noqa: F401  (fixtures)
    MONDAY_7_DEC_2026, RFA, facet_episode, frozen_clock, npis, open_case, pas_url, record_block, submit_electronically,
)
from painpath.authorizations.models import CaseDocument
from painpath.worklist.models import Task
from pas_endpoint import pas_endpoint  # noqa: F401  (fixture)
from smtp_relay import closed_port, smtp_relay  # noqa: F401  (fixtures)

NOW = MONDAY_7_DEC_2026
# Ticking: the payer's answer comes after the submission, so hours-to-decision is a real measure.
clock = frozen_clock(NOW, tick=True)


def _episode(client_for, patient_payload, staff, second_block_relief: float) -> int:  # noqa: ANN001
    clinician = client_for("clinician")
    episode_id = facet_episode(client_for("coordinator"), clinician, patient_payload,
                               responsible_clinician_id=staff["clinician"].id)
    record_block(clinician, episode_id, "2026-10-01", 85)
    record_block(clinician, episode_id, "2026-10-16", second_block_relief)
    return episode_id


@pytest.fixture
def case(client_for, patient_payload, staff, clock, npis) -> dict:
    """An eligible lumbar RFA case (blocks of 85% and 82%, 15 days apart) under Medicare."""
    episode_id = _episode(client_for, patient_payload, staff, 82)
    opened = open_case(client_for("coordinator"), episode_id, **RFA)
    assert opened["decision"]["outcome"] == "eligible_now", opened["decision"]["summary"]
    return opened


def _tasks(db, episode_id: int) -> dict[str, Task]:  # noqa: ANN001
    with db.session() as session:
        return {t.title: t for t in session.scalars(select(Task).where(Task.episode_id == episode_id))}


def _packets(db, case_id: int) -> list[CaseDocument]:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id, CaseDocument.kind == "packet")))


def test_an_approval_lands_on_the_case_with_its_number_and_dates(client_for, case, pas_url, pas_endpoint, db):  # noqa: F811
    answer = submit_electronically(client_for("coordinator"), case)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "approved"
    assert body["submission_channel"] == "pas"
    assert body["submission"]["outcome"] == "approved"
    # From Bundle-ReferralAuthorizationResponseBundleExample: AUTH0001, 2 May to 2 Jun 2005, 1 unit.
    assert body["authorization_number"] == "AUTH0001"
    assert body["approved_from"] == "2005-05-02" and body["approved_to"] == "2005-06-02"
    assert body["approved_units"] == 1
    assert body["approved_codes"] == ["64635", "64636"]
    assert body["hours_to_decision"] is not None and 0 <= body["hours_to_decision"] < 0.5
    assert body["days_from_eligibility_to_submission"] == (NOW.date() - datetime(2026, 10, 16).date()).days
    assert body["submission_reference"].startswith(f"painpath-pa-{case['id']}-")

    (packet,) = _packets(db, case["id"])
    assert packet.content_type == "application/pdf" and packet.content.startswith(b"%PDF-")
    assert packet.id == body["submission"]["packet_document_id"]
    tasks = _tasks(db, case["episode_id"])
    submit_task = next(t for title, t in tasks.items() if title.startswith("Submit authorization"))
    assert submit_task.status == "met"


def test_the_pas_bundle_we_send_parses_and_carries_the_case(client_for, case, pas_url, pas_endpoint, db):  # noqa: F811
    assert submit_electronically(client_for("coordinator"), case).status_code == 200

    (received,) = pas_endpoint.received
    assert received.path == "/Claim/$submit" and received.content_type.startswith("application/fhir+json")
    bundle = Bundle.model_validate(received.bundle)  # fhir.resources R4B
    resources = {}
    for entry in bundle.entry:
        resources.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    (claim,) = resources["Claim"]
    assert claim.use == "preauthorization"
    assert [item.productOrService.coding[0].code for item in claim.item] == ["64635", "64636"]
    assert all(item.locationCodeableConcept.coding[0].code == "22" for item in claim.item)
    assert all(item.quantity.value == 1 for item in claim.item)
    assert all([m.coding[0].code for m in item.modifier] == ["50"] for item in claim.item)  # bilateral
    assert [d.diagnosisCodeableConcept.coding[0].code for d in claim.diagnosis] == ["M47.816"]
    (coverage,) = resources["Coverage"]
    assert coverage.subscriberId == "1EG4TE5MK73"
    insurer = next(o for o in resources["Organization"] if o.name == "Medicare Part B (Noridian JF)")
    assert insurer.identifier[0].value == "medicare_noridian_jf"
    (practitioner,) = resources["Practitioner"]
    assert practitioner.name[0].family == "User" and practitioner.name[0].given == ["Clinician"]
    (document,) = resources["DocumentReference"]
    assert document.content[0].attachment.contentType == "application/pdf"
    raw = next(e["resource"] for e in received.bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    pdf = base64.b64decode(raw["content"][0]["attachment"]["data"])
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Diagnostic block relief" in text and "85%" in text and "82%" in text
    (stored,) = _packets(db, case["id"])
    assert stored.content == pdf  # the packet kept on the case is the one the payer got


def test_a_pend_puts_the_request_for_information_on_the_worklist(client_for, case, pas_url, pas_endpoint, db):  # noqa: F811
    pas_endpoint.answers["64635"] = "pended"
    answer = submit_electronically(client_for("coordinator"), case)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "pended" and body["submission"]["outcome"] == "pended"
    assert "PEND0001" in body["pend_request"]
    # PAS gives no deadline for the answer: Medicare's 7-calendar-day clock from submission (Mon 14 Dec 2026,
    # end of the day in Chicago = 05:59:59 UTC on the 15th).
    assert body["pend_due_at"].startswith("2026-12-15T05:59:59")
    task = next(t for title, t in _tasks(db, case["episode_id"]).items() if title.startswith("Answer "))
    assert task.status == "open" and task.owner_role == "coordinator"
    assert "request for information" in task.title


def test_a_denial_records_the_reason_and_asks_a_clinician_for_the_peer_to_peer_packet(client_for, case, pas_url, pas_endpoint, db):  # noqa: F811
    pas_endpoint.answers["64635"] = "denied"
    answer = submit_electronically(client_for("coordinator"), case)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "denied" and body["submission"]["outcome"] == "denied"
    assert "not certified" in body["denial_reason"]
    assert body["denial_code"] == "A3"
    task = next(t for title, t in _tasks(db, case["episode_id"]).items() if title.startswith("Prepare the peer-to-peer packet"))
    assert task.status == "open" and task.owner_role == "clinician"


def test_an_unreachable_endpoint_leaves_the_case_unsubmitted_and_a_retry_goes_through(
        client_for, case, pas_endpoint, closed_port, monkeypatch, db):  # noqa: F811
    coordinator = client_for("coordinator")
    monkeypatch.setenv("PAINPATH_PAS_BASE_URL", f"http://127.0.0.1:{closed_port}")
    failed = submit_electronically(coordinator, case)

    assert failed.status_code == 502, failed.text
    body = failed.json()
    assert "electronic prior-authorization line did not answer" in body["errors"][0]["message"]
    assert "Nothing was recorded as submitted" in body["errors"][0]["message"]
    assert body["case"]["state"] == "preparing" and body["case"]["version"] == case["version"]
    assert body["case"]["submitted_at"] is None
    assert _packets(db, case["id"]) == []
    history = coordinator.get(f"/api/authorizations/{case['id']}").json()["history"]
    assert history[-1]["action"] == "submit_failed" and history[-1]["to_state"] == "preparing"
    submit_task = next(t for title, t in _tasks(db, case["episode_id"]).items() if title.startswith("Submit authorization"))
    assert submit_task.status == "open"

    monkeypatch.setenv("PAINPATH_PAS_BASE_URL", pas_endpoint.base_url)
    retried = submit_electronically(coordinator, case)  # the same version: nothing changed the case
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "approved"


def test_a_pas_error_answer_is_not_a_submission(client_for, case, pas_url, pas_endpoint, db):  # noqa: F811
    pas_endpoint.answers["64635"] = "error"
    failed = submit_electronically(client_for("coordinator"), case)

    assert failed.status_code == 502, failed.text
    message = failed.json()["errors"][0]["message"]
    assert "could not process" in message and "T4 payer name or identifier missing" in message
    assert failed.json()["case"]["state"] == "preparing"
    assert _packets(db, case["id"]) == []


def test_the_packet_goes_by_fax_through_the_relay_and_waits_for_the_payer(client_for, case, smtp_relay, db):  # noqa: F811
    answer = submit_electronically(client_for("coordinator"), case, "packet_fax", fax="(555) 010-0199")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "submitted" and body["submission_channel"] == "fax"
    assert body["submission"]["outcome"] == "awaiting_answer"
    (received,) = smtp_relay.messages
    assert received.rcpt_tos == ["5550100199@fax.gateway.test"]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    (attachment,) = list(message.iter_attachments())
    pdf = attachment.get_content()
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Request for prior authorization" in text and "85%" in text
    assert "Okafor" not in message["Subject"]  # PHI travels in the attachment only
    (stored,) = _packets(db, case["id"])
    assert stored.content == pdf
    follow_up = next(t for title, t in _tasks(db, case["episode_id"]).items() if title.startswith("Follow up with"))
    assert follow_up.status == "open"


def test_a_fax_needs_the_payers_fax_number(client_for, case, smtp_relay):  # noqa: F811
    refused = submit_electronically(client_for("coordinator"), case, "packet_fax")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "fax"
    assert smtp_relay.messages == []


def test_an_ineligible_case_is_refused_before_anything_is_sent(client_for, patient_payload, staff, clock, npis, pas_url, pas_endpoint):  # noqa: F811
    episode_id = _episode(client_for, patient_payload, staff, 78)  # 78% is under Medicare's 80%
    coordinator = client_for("coordinator")
    opened = open_case(coordinator, episode_id, **RFA)

    refused = submit_electronically(coordinator, opened)
    assert refused.status_code == 409, refused.text
    assert any("78%" in e["message"] for e in refused.json()["errors"])
    assert pas_endpoint.received == []
    assert coordinator.get(f"/api/authorizations/{opened['id']}").json()["state"] == "preparing"


def test_an_unknown_submitter_is_refused(client_for, case):
    refused = submit_electronically(client_for("coordinator"), case, "carrier_pigeon")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "submitter"
