"""Sending a case from its page: the packet PDF download, "Submit electronically" to the payer's PAS
endpoint from the payer directory, the payer's PA contact shown, and a failed send that says what
happens next and is not recorded as submitted."""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest

from authorization_setup import MONDAY_7_DEC_2026, eligible_rfa_case, frozen_clock, npis, payer_contact  # noqa: F401
from painpath.authorizations.models import AuthorizationCase
from pas_endpoint import pas_endpoint  # noqa: F401  (fixture)
from smtp_relay import closed_port  # noqa: F401  (fixture)

clock = frozen_clock(MONDAY_7_DEC_2026, tick=True)


@pytest.fixture
def case_id(client_for, patient_payload, staff, clock) -> int:  # noqa: ANN001
    return eligible_rfa_case(client_for, patient_payload, staff)["id"]


def _case(db, case_id: int) -> AuthorizationCase:  # noqa: ANN001
    with db.session() as session:
        found = session.get(AuthorizationCase, case_id)
        session.expunge(found)
        return found


def _text(page) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _send(client, db, case_id: int, **data: str):  # noqa: ANN001, ANN003, ANN202
    form = {"version": str(_case(db, case_id).version), "submitter": "pas_http", **data}
    return client.post(f"/authorizations/{case_id}/submit-electronically", data=form, follow_redirects=False)


def test_the_case_page_links_the_packet_and_the_link_gives_the_pdf(client_for, case_id, npis):
    coordinator = client_for("coordinator")
    page = coordinator.get(f"/authorizations/{case_id}")
    assert f'href="/authorizations/{case_id}/packet"' in page.text and "Download packet (PDF)" in page.text

    pdf = coordinator.get(f"/authorizations/{case_id}/packet")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Request for prior authorization" in " ".join(text.split())
    assert npis["clinic"] in text and npis["clinician"] in text


def test_the_payers_contact_from_the_directory_is_on_the_case_page(client_for, case_id, ctx, monkeypatch):
    payer_contact(ctx, monkeypatch, fax="(555) 010-0177", portal_url="https://portal.payer.example/pa")
    page = client_for("coordinator").get(f"/authorizations/{case_id}")
    contact = _text(page)
    assert "Fax (555) 010-0177" in contact and 'href="https://portal.payer.example/pa"' in page.text
    # The fax field of the send form starts with the payer's number.
    assert 'value="(555) 010-0177"' in page.text


def test_submit_electronically_from_the_page_lands_the_payers_answer(client_for, case_id, ctx, monkeypatch, npis, pas_endpoint, db):  # noqa: F811
    monkeypatch.delenv("PAINPATH_PAS_BASE_URL", raising=False)
    payer_contact(ctx, monkeypatch, pas_endpoint=pas_endpoint.base_url)
    coordinator = client_for("coordinator")
    assert "Electronically to the payer" in coordinator.get(f"/authorizations/{case_id}").text

    sent = _send(coordinator, db, case_id)
    assert sent.status_code == 303, sent.text
    assert len(pas_endpoint.received) == 1
    assert _case(db, case_id).state == "approved"


def test_a_failed_send_says_what_happens_next_and_is_not_recorded(client_for, case_id, ctx, monkeypatch, npis, closed_port, db):  # noqa: F811
    payer_contact(ctx, monkeypatch, pas_endpoint=f"http://127.0.0.1:{closed_port}")
    coordinator = client_for("coordinator")
    before = _case(db, case_id)

    failed = _send(coordinator, db, case_id)
    assert failed.status_code == 502
    message = _text(failed)
    assert "did not answer" in message and "Nothing was recorded as submitted" in message and "submit again" in message
    assert "127.0.0.1" not in message and "Errno" not in message  # no machine words for staff
    after = _case(db, case_id)
    assert after.state == before.state and after.version == before.version and after.submitted_at is None
    history = coordinator.get(f"/api/authorizations/{case_id}").json()["history"]
    assert history[-1]["action"] == "submit_failed"


def test_a_clinic_without_an_npi_is_told_where_to_enter_it(client_for, case_id, ctx, monkeypatch, pas_endpoint, db):  # noqa: F811
    payer_contact(ctx, monkeypatch, pas_endpoint=pas_endpoint.base_url)
    refused = _send(client_for("coordinator"), db, case_id)
    assert refused.status_code == 409
    assert "The clinic's NPI is missing: an administrator enters it on Clinic settings" in _text(refused)
    assert pas_endpoint.received == [] and _case(db, case_id).state == "preparing"
