"""Every ClaimResponse in the PAS example data reads without error into the decision its content states.

Files are found by content (a ClaimResponse or OperationOutcome at the top, in a Bundle's entries, in a
Subscription notification's nested Bundle, or in $inquire Parameters), never by name, so a new example
dropped into the folder is read too and must be given its expected decision below.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from painpath.interop.pas import Period, ServiceLine, build_request_bundle, read_claim_response_bundle
from painpath.interop.pas import codes as c
from pas_endpoint import echo_request
from pas_samples import PAS_EXAMPLES, example, sample_request


def _holds(value, kinds: set[str]) -> bool:  # noqa: ANN001
    if isinstance(value, dict):
        return value.get("resourceType") in kinds or any(_holds(v, kinds) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, kinds) for v in value)
    return False


RESPONSE_FILES = sorted(
    path for path in PAS_EXAMPLES.glob("*/*.json") if _holds(json.loads(path.read_text()), {"ClaimResponse", "OperationOutcome"})
)

# file -> (expected outcome, why, from the file's content)
EXPECTED = {
    "ig-2.2.1-examples/Bundle-ErrorResponseBundleExample.json": ("error", "ClaimResponse.outcome = error with X12 901 errors 04 and T4"),
    "ig-2.2.1-examples/Bundle-PASClaimInquiryResponseBundleExample.json": ("approved", "$inquire answer: item reviewAction A1, number AUTH0001"),
    "ig-2.2.1-examples/Bundle-PASSubscriptionNotification.json": ("approved", "notification carrying the Referral response Bundle (A1)"),
    "ig-2.2.1-examples/Bundle-ReferralAuthorizationResponseBundleExample.json": ("approved", "item reviewAction A1, AUTH0001, preAuthPeriod"),
    "ig-2.2.1-examples/Bundle-ReferralPendingAuthorizationResponseBundleExample.json": ("pended", "item reviewAction A4, reference PEND0001"),
    "ig-2.2.1-examples/Bundle-RejectionResponseBundleExample.json": ("denied", "item reviewAction A3 (not certified)"),
    "ig-2.2.1-examples/ClaimResponse-ErrorResponseExample.json": ("error", "outcome = error, errors 04 and T4"),
    "ig-2.2.1-examples/ClaimResponse-PASClaimInquiryResponseExample.json": ("approved", "item reviewAction A1"),
    "ig-2.2.1-examples/ClaimResponse-PractitionerRequestorAdditionalContentResponseExample.json": ("approved", "item A1 plus a payer-added item A1"),
    "ig-2.2.1-examples/ClaimResponse-PractitionerRequestorPendingResponseExample.json": ("pended", "item reviewAction A4"),
    "ig-2.2.1-examples/ClaimResponse-PractitionerRequestorResponseExample.json": ("approved", "item reviewAction A1"),
    "ig-2.2.1-examples/ClaimResponse-RejectionResponseExample.json": ("denied", "item reviewAction A3"),
    "ig-2.2.1-examples/OperationOutcome-InvalidRequestResponse.json": ("error", "an OperationOutcome instead of a ClaimResponse"),
    "ig-2.2.1-examples/Parameters-PASClaimInquiryOperationResponseExample.json": ("approved", "$inquire Parameters carrying a Bundle with A1"),
    "prior-auth-ri/bundle-response.json": ("approved", "RI: ClaimResponse-level reviewAction valueCode A1, identifier AUTH0001"),
    "prior-auth-ri/claimresponse-minimal.json": ("pended", "RI: outcome queued, no review action yet"),
    "prior-auth-ri/claimresponse-only.json": ("approved", "RI: ClaimResponse-level reviewAction A1"),
    "prior-auth-ri/claimresponse-pended.json": ("pended", "RI: outcome queued, no review action yet"),
    "prior-auth-ri/db-DeniedResponse.json": ("denied", "RI: reviewAction valueString A3, reason X, disposition Denied"),
    "prior-auth-ri/db-GrantedResponse.json": ("approved", "RI: reviewAction A1, disposition Granted, preAuthRef"),
    "prior-auth-ri/db-PendedClaimResponse.json": ("pended", "RI: reviewAction A4, outcome queued, disposition Pending"),
    "prior-auth-ri/db-PendedFinalResponse.json": ("approved", "RI: the pended claim released: reviewAction A1, Granted"),
}


def read(name: str, **kwargs) -> object:  # noqa: ANN003
    return read_claim_response_bundle(json.loads((PAS_EXAMPLES / name).read_text()), **kwargs)


def test_every_response_file_in_the_data_folder_has_an_expected_decision():
    found = {str(path.relative_to(PAS_EXAMPLES)) for path in RESPONSE_FILES}
    assert len(found) >= 20
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_reads_into_its_expected_decision(name):
    decision = read(name)
    expected, why = EXPECTED[name]
    assert decision.outcome == expected, f"{name}: {why}; got {decision.summary}"
    assert decision.summary
    if expected != "error":
        assert not decision.errors
        # A decided answer names its review action; only a queued one has none yet.
        assert decision.items or "queued" in why, why


def test_approved_gives_the_authorization_number_dates_and_units():
    decision = read("ig-2.2.1-examples/Bundle-ReferralAuthorizationResponseBundleExample.json")
    assert decision.authorization_number == "AUTH0001"
    (item,) = decision.items
    assert (item.sequence, item.review_action_code, item.review_action) == (1, "A1", "certified in total")
    assert item.authorized_period == Period(date(2005, 5, 2), date(2005, 6, 2))
    assert item.issued_on == date(2005, 5, 2)
    assert item.authorized_units == 1.0 and item.authorized_codes == ("3",)
    assert decision.summary == "Approved, authorization AUTH0001, valid 02 May 2005 to 02 Jun 2005"


def test_a_payer_added_item_is_read_as_added():
    decision = read("ig-2.2.1-examples/ClaimResponse-PractitionerRequestorAdditionalContentResponseExample.json")
    assert [(i.sequence, i.added_by_payer, i.outcome) for i in decision.items] == [(1, False, "approved"), (2, True, "approved")]


def test_pended_gives_the_payers_reference():
    decision = read("ig-2.2.1-examples/Bundle-ReferralPendingAuthorizationResponseBundleExample.json")
    (item,) = decision.items
    assert (item.review_action_code, item.pend_reference, item.authorization_number) == ("A4", "PEND0001", None)
    assert decision.authorization_number is None


def test_a_pend_says_what_the_payer_asks_for_from_task_and_communication_request():
    # The IG's pended response with its Task and CommunicationRequest examples added to the bundle, as a
    # payer asking for attachments would send them.
    bundle = example("Bundle-ReferralPendingAuthorizationResponseBundleExample.json")
    for name in ("Task-AdditionalInformationTaskExample.json", "CommunicationRequest-CommunicationRequestExample.json"):
        bundle["entry"].append({"fullUrl": f"http://example.org/fhir/{name}", "resource": example(name)})
    decision = read_claim_response_bundle(bundle)
    assert decision.outcome == "pended"
    by_source = {r.source: r for r in decision.information_requests}
    assert by_source["Task"].codes == ("28570-0",) and by_source["Task"].service_line == 1
    assert by_source["Task"].respond_to == "http://example.org/payerURL"
    assert by_source["CommunicationRequest"].codes == ("18776-5", "18804-5")
    assert "Justification for Admissions" in by_source["CommunicationRequest"].description
    assert "LOINC 28570-0" in decision.summary


def test_denied_gives_reason_codes_and_the_process_note():
    bundle = example("Bundle-RejectionResponseBundleExample.json")
    response = bundle["entry"][0]["resource"]
    action = response["item"][0]["adjudication"][0]["extension"][0]
    action["extension"].append({"url": "reasonCode", "valueCodeableConcept": {"coding": [{"system": "https://codesystem.x12.org/external/886", "code": "0U"}]}})
    response["processNote"] = [{"number": 1, "type": "display", "text": "Conservative care of 6 weeks is not documented."}]
    response["item"][0]["noteNumber"] = [1]
    decision = read_claim_response_bundle(bundle)
    assert decision.outcome == "denied"
    assert decision.items[0].reason_codes == ("0U",)
    assert decision.items[0].notes == ("Conservative care of 6 weeks is not documented.",)
    assert decision.summary == "Denied (reason 0U): Conservative care of 6 weeks is not documented."


def test_the_reference_implementations_denial_keeps_its_reason():
    decision = read("prior-auth-ri/db-DeniedResponse.json")
    assert decision.items[0].reason_codes == ("X",) and decision.disposition == "Denied"
    assert decision.authorization_number is None


def test_error_gives_each_reject_reason_with_where_and_what_to_do():
    decision = read("ig-2.2.1-examples/Bundle-ErrorResponseBundleExample.json")
    assert [e.code for e in decision.errors] == ["04", "T4"]
    second = decision.errors[1]
    assert second.description == "payer name or identifier missing"
    assert second.path == "Bundle.entry[1].Organization.name / 2010A-NM103"
    assert second.follow_up == "correct and resubmit"


def test_an_operation_outcome_is_an_error_with_its_text():
    decision = read("ig-2.2.1-examples/OperationOutcome-InvalidRequestResponse.json")
    assert decision.outcome == "error"
    assert decision.errors[0].code == "invalid"
    assert decision.errors[0].description == "The input request is not of the desired format."


def _approved_with(*codes_and_units: tuple[str, float | None]) -> dict:
    """The IG approved response with one item per (review action, authorized units)."""
    bundle = example("Bundle-ReferralAuthorizationResponseBundleExample.json")
    response = bundle["entry"][0]["resource"]
    template = response["item"][0]
    items = []
    for sequence, (code, units) in enumerate(codes_and_units, start=1):
        item = copy.deepcopy(template)
        item["itemSequence"] = sequence
        action = item["adjudication"][0]["extension"][0]["extension"]
        action[1]["valueCodeableConcept"]["coding"][0]["code"] = code
        detail = next(e for e in item["extension"] if e["url"] == c.EXT_AUTHORIZED_DETAIL)
        next(e for e in detail["extension"] if e["url"] == "quantity")["valueQuantity"]["value"] = units
        items.append(item)
    response["item"] = items
    return bundle


def _sent_for_units(units: int) -> dict:
    line = ServiceLine("97110", units=units, service_type="PT")
    return build_request_bundle(sample_request(lines=(line,)), bundle_id=f"pa-units-{units}", now=datetime(2026, 2, 19, 9))


def test_fewer_units_than_requested_is_a_partial_approval():
    sent = _sent_for_units(12)
    decision = read_claim_response_bundle(echo_request(_approved_with(("A1", 8)), sent), request_bundle=sent)
    assert decision.outcome == "partially_approved"
    (item,) = decision.items
    assert (item.requested_units, item.authorized_units, item.units_reduced) == (12.0, 8.0, True)
    assert "8 of 12 units" in decision.summary
    # The same answer for the units we asked for is a plain approval.
    sent = _sent_for_units(8)
    assert read_claim_response_bundle(echo_request(_approved_with(("A1", 8)), sent), request_bundle=sent).outcome == "approved"


def test_one_line_approved_and_one_denied_is_a_partial_approval():
    decision = read_claim_response_bundle(_approved_with(("A1", 1), ("A3", None)))
    assert decision.outcome == "partially_approved"
    assert [i.outcome for i in decision.items] == ["approved", "denied"]
    assert decision.authorization_number == "AUTH0001"


def test_one_line_pended_keeps_the_whole_request_pended():
    assert read_claim_response_bundle(_approved_with(("A1", 1), ("A4", None))).outcome == "pended"


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"resourceType": "Bundle", "type": "collection", "entry": []},
        {"resourceType": "Patient", "id": "x"},
        {"resourceType": "ClaimResponse", "status": "not-a-status", "use": "preauthorization"},
    ],
    ids=["not-an-object", "empty-bundle", "no-claimresponse", "invalid-claimresponse"],
)
def test_an_unreadable_answer_is_an_error_decision_not_an_exception(answer):
    decision = read_claim_response_bundle(answer)
    assert decision.outcome == "error"
    assert decision.errors[0].code == "unreadable"
    assert decision.summary.startswith("The payer's answer could not be read")


def test_no_fhir_model_objects_leak_out():
    decision = read("ig-2.2.1-examples/Bundle-ReferralAuthorizationResponseBundleExample.json")

    def plain(value) -> bool:  # noqa: ANN001
        if hasattr(value, "__dataclass_fields__"):
            return all(plain(getattr(value, name)) for name in value.__dataclass_fields__)
        if isinstance(value, (tuple, list)):
            return all(plain(v) for v in value)
        if isinstance(value, dict):
            return all(plain(v) for v in value.values())
        return value is None or isinstance(value, (str, int, float, bool, date))

    assert plain(decision)
    assert not any(type(v).__module__.startswith("fhir") for v in decision.__dict__.values())


def test_the_data_folder_is_where_the_tests_say():
    assert isinstance(PAS_EXAMPLES, Path) and (PAS_EXAMPLES / "SOURCES.md").is_file()
