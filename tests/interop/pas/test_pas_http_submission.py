"""PAS over HTTP: a real round trip to our loopback PAS endpoint (tests/pas_endpoint.py), which answers
with the IG example responses. Failures come back as results that say why, never as exceptions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from structlog.testing import capture_logs

from painpath.interop.pas import (
    PasHttpSubmitter, PayerSubmission, ServiceLine, SubmitterSettings, UnknownSubmitter, build_request_bundle, submitter_for,
)
from pas_endpoint import pas_endpoint  # noqa: F401  (fixture)
from pas_samples import sample_request
from smtp_relay import closed_port  # noqa: F401  (fixture)

NOW = datetime(2026, 2, 19, 15, 30, tzinfo=timezone.utc)


def submission(code: str = "64483") -> PayerSubmission:
    request = sample_request(lines=(ServiceLine(code, units=1, place_of_service="24"),))
    bundle = build_request_bundle(request, bundle_id=f"pa-000042-{code}", now=NOW)
    return PayerSubmission(reference="PA-000042", payer_name="Acme Commercial", bundle=bundle)


def submitter(endpoint, timeout: float = 5.0) -> PasHttpSubmitter:  # noqa: ANN001
    return submitter_for("pas_http", SubmitterSettings(pas_base_url=endpoint.base_url, pas_timeout=timeout))  # type: ignore[return-value]


def test_the_bundle_is_posted_as_fhir_json_to_claim_submit(pas_endpoint):
    sent = submission()
    result = submitter(pas_endpoint).submit(sent)
    (received,) = pas_endpoint.received
    assert received.path == "/Claim/$submit"
    assert received.content_type == "application/fhir+json"
    assert received.bundle == sent.bundle
    assert result.ok and result.http_status == 200 and result.duration_ms is not None


def test_an_approval_comes_back_with_its_authorization_number(pas_endpoint):
    pas_endpoint.answers["64483"] = "approved"
    result = submitter(pas_endpoint).submit(submission("64483"))
    assert result.ok and not result.awaiting_manual_answer
    assert result.decision.outcome == "approved"
    assert result.decision.authorization_number == "AUTH0001"
    assert result.detail == "PA-000042: Approved, authorization AUTH0001, valid 02 May 2005 to 02 Jun 2005"


def test_a_pend_comes_back_with_the_payers_reference(pas_endpoint):
    pas_endpoint.answers["64493"] = "pended"
    result = submitter(pas_endpoint).submit(submission("64493"))
    assert result.ok and result.decision.outcome == "pended"
    assert result.decision.items[0].pend_reference == "PEND0001"


def test_a_denial_comes_back_as_denied(pas_endpoint):
    pas_endpoint.answers["64635"] = "denied"
    result = submitter(pas_endpoint).submit(submission("64635"))
    assert result.ok and result.decision.outcome == "denied"
    assert result.decision.items[0].review_action_code == "A3"


def test_a_claim_response_error_comes_back_with_the_reject_reasons(pas_endpoint):
    pas_endpoint.answers["27279"] = "error"
    result = submitter(pas_endpoint).submit(submission("27279"))
    assert result.ok  # the exchange worked; the payer's answer is an error decision
    assert result.decision.outcome == "error"
    assert [e.code for e in result.decision.errors] == ["04", "T4"]


def test_a_500_is_a_clear_failure(pas_endpoint):
    pas_endpoint.default = "server_error"
    result = submitter(pas_endpoint).submit(submission())
    assert not result.ok and result.http_status == 500
    assert result.detail == "The payer's PAS endpoint answered 500: Internal Server Error"
    assert result.decision is None


def test_a_slow_payer_is_a_timeout_failure(pas_endpoint):
    pas_endpoint.default, pas_endpoint.delay = "slow", 1.0
    result = submitter(pas_endpoint, timeout=0.3).submit(submission())
    assert not result.ok and result.http_status is None
    assert result.detail == f"Could not reach the payer's PAS endpoint at {pas_endpoint.base_url}/Claim/$submit: the payer did not answer within 0.3 seconds"
    assert 250 <= result.duration_ms < 2000


def test_a_dead_endpoint_is_a_failure_naming_it(closed_port):
    result = PasHttpSubmitter(f"http://127.0.0.1:{closed_port}", timeout=2).submit(submission())
    assert not result.ok
    assert result.detail.startswith(f"Could not reach the payer's PAS endpoint at http://127.0.0.1:{closed_port}/Claim/$submit: ")


def test_a_request_the_payer_refuses_carries_its_operation_outcome(pas_endpoint):
    pas_endpoint.answers["64483"] = "invalid_request"
    result = submitter(pas_endpoint).submit(submission())
    assert not result.ok and result.http_status == 400
    assert result.decision.outcome == "error"
    assert result.detail == "The payer's PAS endpoint answered 400: The payer refused the request: The input request is not of the desired format."


def test_nothing_is_sent_without_an_endpoint_or_a_bundle(pas_endpoint):
    assert not PasHttpSubmitter(None).submit(submission()).ok
    missing = submitter(pas_endpoint).submit(PayerSubmission(reference="PA-000042", payer_name="Acme Commercial"))
    assert not missing.ok and "no PAS request bundle" in missing.detail
    assert pas_endpoint.received == []


def test_logs_carry_the_bundle_id_status_and_duration_only(pas_endpoint):
    sent = submission()
    with capture_logs() as logs:
        submitter(pas_endpoint).submit(sent)
    (line,) = logs
    assert set(line) == {"event", "log_level", "bundle_id", "status", "duration_ms"}
    assert line["bundle_id"] == "pa-000042-64483" and line["status"] == 200
    assert "Okafor" not in repr(logs) and "XKW123456789" not in repr(logs)


def test_an_unknown_submitter_is_refused_with_the_known_names():
    with pytest.raises(UnknownSubmitter, match="packet_fax, packet_print, pas_http"):
        submitter_for("clearinghouse")
