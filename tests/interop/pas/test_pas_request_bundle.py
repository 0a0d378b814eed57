"""The PAS request Bundle we build parses as FHIR R4 and has the shape of the PAS 2.2.1 examples
Bundle-SurgicalRequestBundleExample and Bundle-ReferralAuthorizationBundleExample: the same resource
types, the same Claim elements and item extensions, the same profiles, every reference resolvable."""

from __future__ import annotations

import base64
from datetime import date, datetime, timezone

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from painpath.interop.pas import PasBuildError, Person, ServiceLine, build_request_bundle, dotted_icd10
from painpath.interop.pas import codes as c
from pas_samples import PACKET_PDF, entry_resources, example, sample_request

NOW = datetime(2026, 2, 19, 15, 30, tzinfo=timezone.utc)
SURGICAL = example("Bundle-SurgicalRequestBundleExample.json")
REFERRAL = example("Bundle-ReferralAuthorizationBundleExample.json")
EXAMPLES = (SURGICAL, REFERRAL)
# Claim.item elements the PAS profile marks must-support that the two examples happen not to use.
ITEM_MUST_SUPPORT_EXTRAS = {"quantity", "servicedDate", "servicedPeriod", "modifier"}


def built(**changes) -> dict:  # noqa: ANN003
    return build_request_bundle(sample_request(**changes), bundle_id="pa-000042-1", now=NOW)


def types(bundle: dict) -> set[str]:
    return {r["resourceType"] for r in entry_resources(bundle)}


def by_reference(bundle: dict) -> dict[str, dict]:
    return {f"{r['resourceType']}/{r['id']}": r for r in entry_resources(bundle)}


def claim_of(bundle: dict) -> dict:
    return bundle["entry"][0]["resource"]


def test_the_bundle_and_every_entry_parse_with_the_r4b_models():
    bundle = built()
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection" and parsed.identifier.value == "pa-000042-1"
    assert parsed.timestamp is not None
    for resource in entry_resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_the_resource_types_are_those_the_examples_carry():
    ours = types(built())
    common = types(SURGICAL) & types(REFERRAL)
    assert common == {"Claim", "Organization", "Coverage", "Patient", "PractitionerRole", "Practitioner", "Location"}
    assert common <= ours
    # Nothing the examples do not use: the DocumentReference is the Referral example's attachment.
    assert ours - common == {"DocumentReference"}
    assert ours <= types(SURGICAL) | types(REFERRAL)
    assert [r["resourceType"] for r in entry_resources(built())].count("Organization") == 2  # requestor and insurer


def test_the_claim_comes_first_as_a_professional_preauthorization():
    claim = claim_of(built())
    assert claim["resourceType"] == "Claim"
    assert (claim["use"], claim["status"]) == ("preauthorization", "active")
    assert claim["type"]["coding"][0] == {"system": c.CLAIM_TYPE, "code": "professional"}
    assert claim["priority"]["coding"][0]["code"] == "normal"
    assert claim["insurance"] == [{"sequence": 1, "focal": True, "coverage": claim["insurance"][0]["coverage"]}]


@pytest.mark.parametrize("example_bundle", EXAMPLES, ids=["surgical", "referral"])
def test_the_claim_has_the_same_top_level_elements_as_the_example(example_bundle):
    # The examples' `text` is the IG publisher's generated narrative; we send none (it would repeat PHI).
    expected = set(claim_of(example_bundle)) - {"text"}
    assert set(claim_of(built())) == expected


@pytest.mark.parametrize("example_bundle", EXAMPLES, ids=["surgical", "referral"])
def test_each_item_has_the_examples_item_elements(example_bundle):
    expected = set(claim_of(example_bundle)["item"][0])
    for item in claim_of(built())["item"]:
        assert expected <= set(item)
        assert set(item) - expected <= ITEM_MUST_SUPPORT_EXTRAS


def test_item_extensions_use_the_examples_urls_with_hs_and_initial():
    example_urls = {e["url"] for b in EXAMPLES for e in claim_of(b)["item"][0]["extension"]}
    item = claim_of(built())["item"][0]
    ours = {e["url"]: e for e in item["extension"]}
    assert set(ours) <= example_urls
    assert {c.EXT_REQUEST_TYPE, c.EXT_CERTIFICATION_TYPE, c.EXT_ITEM_TRACE_NUMBER} <= set(ours)
    assert ours[c.EXT_REQUEST_TYPE]["valueCodeableConcept"]["coding"][0]["code"] == "HS"
    assert ours[c.EXT_REQUEST_TYPE]["valueCodeableConcept"]["coding"][0]["system"] == "https://codesystem.x12.org/005010/1525"
    assert ours[c.EXT_CERTIFICATION_TYPE]["valueCodeableConcept"]["coding"][0]["code"] == "I"
    # The level of service sits on the Claim, as in both examples.
    claim_urls = {e["url"] for e in claim_of(built())["extension"]}
    assert claim_urls <= {e["url"] for b in EXAMPLES for e in claim_of(b)["extension"]}
    assert c.EXT_LEVEL_OF_SERVICE in claim_urls


def test_meta_profiles_are_the_pas_profiles_the_examples_use():
    def profiles_by_type(bundle: dict) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for resource in entry_resources(bundle):
            found.setdefault(resource["resourceType"], set()).update(resource.get("meta", {}).get("profile", []))
        return found

    ours = profiles_by_type(built())
    theirs: dict[str, set[str]] = {}
    for bundle in EXAMPLES:
        for kind, profiles in profiles_by_type(bundle).items():
            theirs.setdefault(kind, set()).update(profiles)
    for kind, profiles in ours.items():
        assert profiles == theirs[kind], kind
    assert ours["Organization"] == {c.PROFILE_REQUESTOR, c.PROFILE_INSURER}
    assert built()["meta"]["profile"] == SURGICAL["meta"]["profile"] == REFERRAL["meta"]["profile"]


def test_the_service_line_carries_cpt_units_place_and_date():
    lines = (
        ServiceLine("64483", units=1, place_of_service="24", on=date(2026, 2, 19)),
        ServiceLine("J7325", units=2, place_of_service="11", period=(date(2026, 3, 1), date(2026, 5, 31)), service_type="1"),
    )
    first, second = claim_of(built(lines=lines))["item"]
    assert first["productOrService"]["coding"][0] == {"system": c.CPT, "code": "64483"}
    assert second["productOrService"]["coding"][0] == {"system": c.HCPCS, "code": "J7325"}
    assert first["quantity"] == {"value": 1} and second["quantity"] == {"value": 2}
    assert first["locationCodeableConcept"]["coding"][0] == {"system": c.PLACE_OF_SERVICE, "code": "24"}
    assert first["servicedDate"] == "2026-02-19"
    assert second["servicedPeriod"] == {"start": "2026-03-01", "end": "2026-05-31"}
    assert (first["sequence"], second["sequence"]) == (1, 2)
    assert first["diagnosisSequence"] == [1, 2] and first["careTeamSequence"] == [1]
    event = claim_of(built(lines=lines))["supportingInfo"][0]
    assert event["category"]["coding"][0]["code"] == "patientEvent"
    assert event["timingPeriod"] == {"start": "2026-02-19", "end": "2026-05-31"}


def test_urgent_requests_say_so_in_the_level_of_service_and_priority():
    claim = claim_of(built(level_of_service="urgent"))
    level = claim["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert (level["system"], level["code"]) == ("https://codesystem.x12.org/005010/1338", "U")
    assert claim["priority"]["coding"][0]["code"] == "stat"


def test_diagnoses_are_sent_dotted_as_the_examples_send_them():
    # The IG examples send ICD-10-CM dotted (G89.4, C18.9); the X12 intermediary strips the dot.
    assert claim_of(SURGICAL)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] == "C18.9"
    assert claim_of(REFERRAL)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] == "G89.4"
    diagnoses = claim_of(built())["diagnosis"]
    assert [d["diagnosisCodeableConcept"]["coding"][0] for d in diagnoses] == [
        {"system": c.ICD10CM, "code": "M54.16"}, {"system": c.ICD10CM, "code": "M51.26"},
    ]
    assert [dotted_icd10(x) for x in ("m5416", "G894", "M54.5", "M545", "S32.009A")] == ["M54.16", "G89.4", "M54.5", "M54.5", "S32.009A"]


def test_every_reference_resolves_to_one_entry_and_full_urls_match_the_ids():
    bundle = built(questionnaire_response={"resourceType": "QuestionnaireResponse", "status": "completed", "item": [{"linkId": "1"}]})
    resources = by_reference(bundle)
    assert len(resources) == len(bundle["entry"])  # each resource included once
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")

    def references(value):  # noqa: ANN001, ANN202
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                yield value["reference"]
            for child in value.values():
                yield from references(child)
        elif isinstance(value, list):
            for child in value:
                yield from references(child)

    found = {ref for resource in resources.values() for ref in references(resource)}
    assert found and found <= set(resources)
    # Everything but the Claim itself is pointed at from somewhere.
    assert set(resources) - found == {f"Claim/{claim_of(bundle)['id']}"}


def test_the_packet_travels_as_a_document_reference_with_the_pdf_in_base64():
    bundle = built()
    resources = by_reference(bundle)
    info = [i for i in claim_of(bundle)["supportingInfo"] if i["category"]["coding"][0]["code"] == "additionalInformation"]
    (packet,) = info
    document = resources[packet["valueReference"]["reference"]]
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == PACKET_PDF
    assert attachment["title"] == "Prior authorization packet PA-000042"
    assert document["subject"] == claim_of(bundle)["patient"]


def test_the_questionnaire_response_is_attached_and_points_at_our_patient():
    bundle = built(questionnaire_response={"resourceType": "QuestionnaireResponse", "id": "dtr-1", "status": "completed", "item": [{"linkId": "1"}]})
    resources = by_reference(bundle)
    references = [i["valueReference"]["reference"] for i in claim_of(bundle)["supportingInfo"] if "valueReference" in i]
    answers = [resources[r] for r in references if r.startswith("QuestionnaireResponse/")]
    assert len(answers) == 1 and answers[0]["subject"] == claim_of(bundle)["patient"]
    assert answers[0]["item"] == [{"linkId": "1"}]


def test_the_patient_coverage_and_payer_carry_the_member_and_payer_ids():
    bundle = built()
    resources = by_reference(bundle)
    claim = claim_of(bundle)
    patient = resources[claim["patient"]["reference"]]
    coverage = resources[claim["insurance"][0]["coverage"]["reference"]]
    insurer = resources[claim["insurer"]["reference"]]
    provider = resources[claim["provider"]["reference"]]
    assert patient["meta"]["profile"] == [c.PROFILE_SUBSCRIBER]
    assert (patient["name"][0]["family"], patient["birthDate"], patient["gender"]) == ("Okafor", "1968-03-02", "female")
    assert coverage["subscriberId"] == "XKW123456789" and coverage["beneficiary"] == claim["patient"]
    assert [x["code"] for x in coverage["relationship"]["coding"]] == ["self", "18"]
    assert coverage["payor"] == [claim["insurer"]]
    assert (insurer["name"], insurer["identifier"][0]["value"]) == ("Acme Commercial", "ACME01")
    assert provider["identifier"] == [{"system": c.NPI, "value": "1234567893"}]
    role = resources[claim["careTeam"][0]["provider"]["reference"]]
    practitioner = resources[role["practitioner"]["reference"]]
    assert practitioner["identifier"] == [{"system": c.NPI, "value": "1245319599"}]


def test_a_dependent_is_the_beneficiary_and_the_subscriber_is_sent_too():
    subscriber = Person("Okafor", ("Sam",), date(1966, 7, 9), "male")
    bundle = built(relationship="spouse", subscriber=subscriber)
    resources = by_reference(bundle)
    claim = claim_of(bundle)
    coverage = resources[claim["insurance"][0]["coverage"]["reference"]]
    assert resources[claim["patient"]["reference"]]["meta"]["profile"] == [c.PROFILE_BENEFICIARY]
    assert resources[coverage["subscriber"]["reference"]]["name"][0]["given"] == ["Sam"]
    assert [x["code"] for x in coverage["relationship"]["coding"]] == ["spouse", "01"]
    Bundle.model_validate(bundle)


def test_the_same_request_builds_the_same_bundle():
    assert built() == built()
    assert build_request_bundle(sample_request(), bundle_id="pa-000042-2", now=NOW)["entry"][0]["resource"]["id"] != claim_of(built())["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"clinic_npi": "12345"}, "clinic_npi"),
        ({"clinic_npi": "1234567890"}, "clinic_npi"),  # ten digits, wrong check digit
        ({"practitioner_npi": ""}, "practitioner_npi"),
        ({"diagnosis_codes": ("54.16",)}, "diagnosis_codes"),
        ({"diagnosis_codes": ()}, "diagnosis_codes"),
        ({"lines": ()}, "lines"),
        ({"lines": (ServiceLine("6448"),)}, "lines"),
        ({"lines": (ServiceLine("64483", units=0),)}, "lines"),
        ({"lines": (ServiceLine("64483", place_of_service="office"),)}, "lines"),
        ({"member_id": " "}, "member_id"),
        ({"relationship": "child"}, "subscriber"),
    ],
)
def test_a_request_that_cannot_be_sent_is_refused_naming_the_field(changes, field):
    with pytest.raises(PasBuildError) as refused:
        built(**changes)
    assert str(refused.value).startswith(f"{field}:")
