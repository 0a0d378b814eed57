"""A payer's PAS answer is believed only when it answers the request we sent (interop/pas/trust.py), and a
request leaves only when it is a whole PAS request (request.validate_bundle).

The IG's own pairs are the yardstick: Bundle-ReferralAuthorizationBundleExample (the request) and the
response Bundles that answer it (approved, pended, denied, error, $inquire, the Subscription notification)
match each other and must be accepted; the same responses against another request, or broken the ways
a payer's system breaks them, must be refused with a reason a coordinator can read.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from painpath.interop.pas import (
    PasBuildError, PasHttpSubmitter, PayerSubmission, build_request_bundle, read_claim_response_bundle, validate_bundle,
)
from pas_endpoint import echo_request, pas_endpoint  # noqa: F401  (fixture)
from pas_samples import example, sample_request

IG_REQUEST = "Bundle-ReferralAuthorizationBundleExample.json"
# The IG responses to IG_REQUEST and what each says.
IG_ANSWERS = {
    "Bundle-ReferralAuthorizationResponseBundleExample.json": "approved",
    "Bundle-ReferralPendingAuthorizationResponseBundleExample.json": "pended",
    "Bundle-RejectionResponseBundleExample.json": "denied",
    "Bundle-ErrorResponseBundleExample.json": "error",
    "Bundle-PASClaimInquiryResponseBundleExample.json": "approved",
    "Bundle-PASSubscriptionNotification.json": "approved",
    "Parameters-PASClaimInquiryOperationResponseExample.json": "approved",
}
APPROVED = "Bundle-ReferralAuthorizationResponseBundleExample.json"
PENDED = "Bundle-ReferralPendingAuthorizationResponseBundleExample.json"
NOW = datetime(2026, 2, 19, 15, 30, tzinfo=timezone.utc)


def our_request() -> dict:
    return build_request_bundle(sample_request(), bundle_id="pa-000042", now=NOW)


def our_answer(name: str = APPROVED) -> tuple[dict, dict]:
    """(the IG response made into the payer's answer to our request, our request)."""
    sent = our_request()
    return echo_request(example(name), sent), sent


@pytest.mark.parametrize("name", sorted(IG_ANSWERS))
def test_the_igs_own_answers_are_accepted_for_the_igs_own_request(name):
    decision = read_claim_response_bundle(example(name), request_bundle=example(IG_REQUEST))
    assert decision.refusals == ()
    assert decision.outcome == IG_ANSWERS[name]


def test_the_igs_answer_made_for_our_request_is_accepted_with_its_content():
    answer, sent = our_answer()
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "approved" and decision.authorization_number == "AUTH0001"


def test_the_igs_answer_as_published_is_refused_for_our_request():
    """Verbatim, the IG's answer is about the IG's subscriber (member id 12345678901) and Claim, not ours."""
    decision = read_claim_response_bundle(example(APPROVED), request_bundle=our_request())
    assert decision.outcome == "refused"
    assert "the answer is about a different patient: the patient it names does not carry the member id we sent" in decision.refusals
    assert any(r.startswith("the answer is for another request (Claim/ReferralAuthorizationExample); we sent pa-000042")
               for r in decision.refusals)
    assert "12345678901" not in decision.summary  # another patient's member id is never repeated


def test_a_patient_with_another_member_id_is_refused():
    answer, sent = our_answer()
    patient = next(e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = "XKW999999999"
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "refused"
    assert decision.refusals == ("the answer is about a different patient: the patient it names does not carry the member id we sent",)


def test_a_claim_response_that_is_not_the_first_entry_is_refused_even_without_our_request():
    answer, sent = our_answer()
    answer["entry"].append(answer["entry"].pop(0))
    for request in (sent, None):
        decision = read_claim_response_bundle(answer, request_bundle=request)
        assert decision.outcome == "refused"
        assert decision.refusals[0].startswith("the answer's first entry is a Organization, not the ClaimResponse (it is entry 5)")


def test_two_claim_responses_are_refused():
    answer, sent = our_answer()
    second = copy.deepcopy(answer["entry"][0])
    second["fullUrl"] += "-again"
    answer["entry"].append(second)
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "refused" and "holds 2 ClaimResponses" in decision.refusals[0]


def test_a_reference_that_resolves_nowhere_is_refused():
    answer, sent = our_answer()
    answer["entry"][0]["resource"]["insurer"] = {"reference": "Organization/SomeOtherPayer"}
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "refused"
    assert decision.refusals == ("the answer points at Organization/SomeOtherPayer (ClaimResponse.insurer), which is neither in the "
                                 "answer nor in our request",)


def test_a_dangling_reference_in_another_entry_is_refused_too():
    answer, sent = our_answer()
    answer["entry"][1]["resource"]["partOf"] = {"reference": "Organization/Nowhere"}
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "refused" and "Organization/Nowhere" in decision.refusals[0]


def test_an_answer_to_another_claim_of_ours_is_refused():
    answer, _sent = our_answer()
    other = build_request_bundle(sample_request(), bundle_id="pa-000043", now=NOW)
    decision = read_claim_response_bundle(answer, request_bundle=other)
    assert decision.outcome == "refused"
    assert any("the answer is for another request" in r and "we sent pa-000043" in r for r in decision.refusals)


def test_the_request_may_be_named_by_identifier():
    answer, sent = our_answer()
    answer["entry"][0]["resource"]["request"] = {"identifier": {"value": "pa-000042"}}
    assert read_claim_response_bundle(answer, request_bundle=sent).outcome == "approved"
    answer["entry"][0]["resource"]["request"] = {"identifier": {"value": "pa-000099"}}
    assert read_claim_response_bundle(answer, request_bundle=sent).outcome == "refused"


def test_an_answer_naming_no_patient_is_refused():
    answer, sent = our_answer()
    answer["entry"][0]["resource"]["patient"] = {"display": "the member"}  # valid FHIR, but no one we can match
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "refused" and "does not say which patient" in decision.refusals[0]


# Pended answers -----------------------------------------------------------------------------------

def test_a_queued_answer_with_no_decision_on_its_lines_is_pended_not_check_with_the_payer():
    answer, sent = our_answer(PENDED)
    response = answer["entry"][0]["resource"]
    response["outcome"] = "queued"
    for item in response["item"]:
        item["adjudication"] = [{"category": {"coding": [{"code": "submitted"}]}}]  # no review action yet
    decision = read_claim_response_bundle(answer, request_bundle=sent)
    assert decision.outcome == "pended"
    assert "check with the payer" not in decision.summary


def test_a_notification_carrying_a_pended_answer_is_pended():
    notification = example("Bundle-PASSubscriptionNotification.json")
    answer, sent = our_answer(PENDED)
    notification["entry"][1]["resource"] = answer
    decision = read_claim_response_bundle(notification, request_bundle=sent)
    assert decision.outcome == "pended" and decision.items[0].pend_reference == "PEND0001"


def test_an_id_only_notification_is_pended():
    notification = example("Bundle-PASSubscriptionNotification.json")
    del notification["entry"][1]
    decision = read_claim_response_bundle(notification, request_bundle=our_request())
    assert decision.outcome == "pended"
    assert decision.summary == "Pended: the payer sent a notification without a final decision"


# The request we send ------------------------------------------------------------------------------

def test_an_empty_request_bundle_is_refused():
    empty = {**our_request(), "entry": []}
    with pytest.raises(PasBuildError, match="the request bundle is empty"):
        validate_bundle(empty)


def test_a_request_with_a_dangling_reference_is_refused():
    bundle = our_request()
    bundle["entry"][0]["resource"]["insurer"] = {"reference": "Organization/not-in-the-bundle"}
    with pytest.raises(PasBuildError, match=r"entry\[0\]\.Claim\.insurer -> Organization/not-in-the-bundle"):
        validate_bundle(bundle)


def test_a_request_that_does_not_start_with_the_claim_is_refused():
    bundle = our_request()
    bundle["entry"].append(bundle["entry"].pop(0))
    with pytest.raises(PasBuildError, match="a PAS request starts with its Claim"):
        validate_bundle(bundle)


def test_the_igs_surgical_request_example_has_dangling_references_and_would_not_be_sent():
    """Bundle-SurgicalRequestBundleExample's PractitionerRole points at the Referral example's Practitioner
    and Location, which it does not carry: the validator catches exactly what it is for."""
    with pytest.raises(PasBuildError, match="2 reference"):
        validate_bundle(example("Bundle-SurgicalRequestBundleExample.json"))


@pytest.mark.parametrize("breakage", ["empty", "dangling"])
def test_the_http_submitter_does_not_send_an_invalid_request(pas_endpoint, breakage):  # noqa: F811
    bundle = our_request()
    if breakage == "empty":
        bundle["entry"] = []
    else:
        bundle["entry"][0]["resource"]["patient"] = {"reference": "Patient/nobody"}
    result = PasHttpSubmitter(pas_endpoint.base_url).submit(PayerSubmission(reference="PA-000042", payer_name="Acme", bundle=bundle))
    assert not result.ok and "was not sent because it is not valid" in result.detail
    assert result.extra["request_refused"]
    assert pas_endpoint.received == []
