"""Submissions name the requester by the clinic's and the clinician's real NPIs (never a stand-in), and
reach the payer at the contact the payer directory gives (its PAS endpoint, its fax line)."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from authorization_setup import CLINIC_NPI, CLINICIAN_NPI, MONDAY_7_DEC_2026, eligible_rfa_case, frozen_clock, npis, payer_contact  # noqa: F401
from painpath.authorizations.models import CaseDocument
from painpath.core.tenancy import Clinic
from pas_endpoint import pas_endpoint  # noqa: F401  (fixture)
from smtp_relay import smtp_relay  # noqa: F401  (fixture)

clock = frozen_clock(MONDAY_7_DEC_2026, tick=True)


@pytest.fixture
def case(client_for, patient_payload, staff, clock) -> dict:  # noqa: ANN001
    return eligible_rfa_case(client_for, patient_payload, staff)


def _submit(client, case: dict, submitter: str = "pas_http", **extra):  # noqa: ANN001, ANN003, ANN201
    return client.post(f"/api/authorizations/{case['id']}/submit-electronically",
                       json={"version": case["version"], "submitter": submitter, **extra})


def _packets(db, case_id: int) -> list:  # noqa: ANN001
    with db.session() as session:
        return list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id, CaseDocument.kind == "packet")))


def test_a_clinic_without_an_npi_is_refused_in_plain_words_and_nothing_is_sent(client_for, case, ctx, monkeypatch, pas_endpoint, db):  # noqa: F811
    payer_contact(ctx, monkeypatch, pas_endpoint=pas_endpoint.base_url)
    refused = _submit(client_for("coordinator"), case)

    assert refused.status_code == 409, refused.text
    (problem,) = refused.json()["errors"]
    assert problem["field"] == "clinic_npi"
    assert problem["message"] == "The clinic's NPI is missing: an administrator enters it on Clinic settings"
    assert pas_endpoint.received == []
    assert _packets(db, case["id"]) == []
    assert client_for("coordinator").get(f"/api/authorizations/{case['id']}").json()["state"] == "preparing"


def test_a_clinician_without_an_npi_is_refused_and_nothing_is_sent(client_for, case, ctx, monkeypatch, pas_endpoint, db, clinic):  # noqa: F811
    with db.session() as session:
        session.get(Clinic, clinic.id).npi = CLINIC_NPI
    payer_contact(ctx, monkeypatch, pas_endpoint=pas_endpoint.base_url)
    refused = _submit(client_for("coordinator"), case)

    assert refused.status_code == 409, refused.text
    assert "clinician's NPI is missing" in refused.json()["errors"][0]["message"]
    assert pas_endpoint.received == []


def test_the_bundle_names_the_real_npis_and_goes_to_the_payers_own_endpoint(client_for, case, ctx, monkeypatch, npis, pas_endpoint):  # noqa: F811
    # No PAINPATH_PAS_BASE_URL: the only place the endpoint comes from is the payer directory.
    monkeypatch.delenv("PAINPATH_PAS_BASE_URL", raising=False)
    payer_contact(ctx, monkeypatch, pas_endpoint=pas_endpoint.base_url)
    answer = _submit(client_for("coordinator"), case)

    assert answer.status_code == 200, answer.text
    (received,) = pas_endpoint.received
    npis_sent = {i["value"] for e in received.bundle["entry"] for i in e["resource"].get("identifier", [])
                 if i.get("system") == "http://hl7.org/fhir/sid/us-npi"}
    assert npis_sent == {CLINIC_NPI, CLINICIAN_NPI}


def test_a_fax_goes_to_the_payers_fax_line_from_the_directory(client_for, case, ctx, monkeypatch, npis, smtp_relay):  # noqa: F811
    payer_contact(ctx, monkeypatch, fax="(555) 010-0177")
    answer = _submit(client_for("coordinator"), case, "packet_fax")

    assert answer.status_code == 200, answer.text
    (message,) = smtp_relay.messages
    assert message.rcpt_tos == ["5550100177@fax.gateway.test"]
