"""Build a Da Vinci PAS request Bundle (Claim with use = preauthorization first, then every resource it
points at, each once) from plain data.

The shape follows the PAS 2.2.1 examples Bundle-ReferralAuthorizationBundleExample (professional claim
with a DocumentReference) and Bundle-SurgicalRequestBundleExample: the same profiles, the same item
extensions, relative references (`Patient/<id>`) resolved against RESTful fullUrls.

Diagnosis codes stay dotted ("M54.16"): the PAS examples send ICD-10-CM dotted under
http://hl7.org/fhir/sid/icd-10-cm, as FHIR defines the code system. Removing the dot is the X12
intermediary's job when it writes the 278 HI segment.

Pure: no database, no clock (`now` is passed in), no network.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from painpath.core.npi import npi_problem
from painpath.interop.pas import codes as c
from painpath.interop.pas import references as refs

Gender = Literal["male", "female", "other", "unknown"]
Relationship = Literal["self", "spouse", "child", "other"]
LevelOfService = Literal["elective", "urgent"]
CertificationType = Literal["initial", "renewal", "revised", "cancel"]
RequestType = Literal["HS", "SC", "AR"]

DEFAULT_BASE_URL = "https://painpath.example/fhir"

# X12 1069 individual relationship codes for the Coverage relationship (the example sends both codings).
_X12_RELATIONSHIP = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
_CERTIFICATION = {"initial": ("I", "Initial"), "renewal": ("R", "Renewal"), "revised": ("S", "Revised"), "cancel": ("3", "Cancel")}
_REQUEST_TYPE = {"HS": "Health Services Review", "SC": "Specialty Care Review", "AR": "Admission Review"}
_LEVEL = {"elective": ("E", "Elective", "normal"), "urgent": ("U", "Urgent", "stat")}
# X12 1365 service types a pain clinic asks for; any other code is sent without a display.
SERVICE_TYPES = {
    "1": "Medical Care", "2": "Surgical", "4": "Diagnostic X-Ray", "62": "MRI/CAT Scan",
    "73": "Diagnostic Medical", "AE": "Physical Medicine", "PT": "Physical Therapy",
}
_ICD10 = re.compile(r"^([A-TV-Z][0-9][0-9AB])\.?([0-9A-TV-Z]{1,4})?$")
_PROCEDURE_CODE = re.compile(r"^(?:[0-9]{4}[0-9FTU]|[A-V][0-9]{4})$")
_POS = re.compile(r"^[0-9]{2}$")


class PasBuildError(ValueError):
    """The request cannot be built: the message names the field and what is wrong with it."""


# Input -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]
    city: str
    state: str
    postal_code: str
    country: str = "US"


@dataclass(frozen=True)
class Person:
    family: str
    given: tuple[str, ...]
    birth_date: date
    gender: Gender
    address: Address | None = None


@dataclass(frozen=True)
class ServiceLine:
    """One requested service: a CPT/HCPCS code, its units, where and when.

    `on` is a single requested date, `period` a window (start, end); give one or neither.
    `service_type` is the X12 1365 category ("1" medical care, "62" MRI, "PT" physical therapy).
    """

    code: str
    units: int = 1
    place_of_service: str = "11"
    on: date | None = None
    period: tuple[date, date] | None = None
    service_type: str = "1"
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupportingDocument:
    """The PA packet (cover letter and attachments) as one PDF."""

    title: str
    content: bytes
    content_type: str = "application/pdf"
    loinc_type: str = "34133-9"  # LOINC "Summary of episode note"


@dataclass(frozen=True)
class PasRequest:
    """Everything a PAS request says, from our side. Codes are as staff record them."""

    clinic_name: str
    clinic_npi: str
    practitioner_family: str
    practitioner_given: tuple[str, ...]
    practitioner_npi: str
    patient: Person
    member_id: str
    payer_name: str
    payer_id: str
    diagnosis_codes: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    relationship: Relationship = "self"
    subscriber: Person | None = None  # required when the patient is not the subscriber
    clinic_address: Address | None = None
    clinic_phone: str | None = None
    coverage_group: str | None = None
    level_of_service: LevelOfService = "elective"
    certification_type: CertificationType = "initial"
    request_type: RequestType = "HS"
    packet: SupportingDocument | None = None
    questionnaire_response: dict[str, Any] | None = None


# Small helpers -----------------------------------------------------------------------------------

def dotted_icd10(code: str) -> str:
    """'M5416' or 'm54.16' -> 'M54.16'; PasBuildError for something that is not ICD-10-CM shaped."""
    match = _ICD10.match(code.strip().upper())
    if not match:
        raise PasBuildError(f"diagnosis_codes: {code!r} is not an ICD-10-CM code like M54.16")
    category, detail = match.groups()
    return f"{category}.{detail}" if detail else category


def procedure_system(code: str) -> str:
    """CPT for five digits (or four digits and F/T/U), HCPCS Level II for a letter and four digits."""
    if not _PROCEDURE_CODE.match(code):
        raise PasBuildError(f"lines: {code!r} is not a CPT or HCPCS code like 64483 or J7325")
    return c.HCPCS if code[0].isalpha() else c.CPT


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    value = {"system": system, "code": code}
    if display:
        value["display"] = display
    return value


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system, code, display)]}


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.isoformat(timespec="seconds")


def _human_name(family: str, given: tuple[str, ...]) -> dict[str, Any]:
    return {"family": family, "given": list(given)} if given else {"family": family}


def _address(address: Address) -> dict[str, Any]:
    return {
        "line": list(address.lines), "city": address.city, "state": address.state,
        "postalCode": address.postal_code, "country": address.country,
    }


def _npi(value: str, field_name: str) -> str:
    # The check digit too: a payer rejects a mistyped NPI days later; we refuse it before sending.
    problem = npi_problem(value or "")
    if problem:
        raise PasBuildError(f"{field_name}: {value!r} is not an NPI ({problem})")
    return value


# The bundle --------------------------------------------------------------------------------------

class _Entries:
    """Bundle entries with ids derived from the bundle id, so one request always builds the same bundle."""

    def __init__(self, bundle_id: str, base_url: str):
        self.bundle_id = bundle_id
        self.base_url = base_url.rstrip("/")
        self.entries: list[dict[str, Any]] = []

    def id_for(self, role: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"painpath:pas:{self.bundle_id}:{role}"))

    def reference(self, resource_type: str, role: str) -> dict[str, str]:
        return {"reference": f"{resource_type}/{self.id_for(role)}"}

    def add(self, role: str, resource: dict[str, Any], profile: str | None) -> None:
        resource_id = self.id_for(role)
        head: dict[str, Any] = {"resourceType": resource["resourceType"], "id": resource_id}
        if profile:
            head["meta"] = {"profile": [profile]}
        body = {k: v for k, v in resource.items() if k != "resourceType"}
        self.entries.append({"fullUrl": f"{self.base_url}/{resource['resourceType']}/{resource_id}", "resource": {**head, **body}})


def build_request_bundle(
    req: PasRequest, *, bundle_id: str, now: datetime, base_url: str = DEFAULT_BASE_URL
) -> dict[str, Any]:
    """The PAS request Bundle for `req`, checked against the FHIR R4B models before it is returned."""
    _check(req)
    entries = _Entries(bundle_id, base_url)
    entries.add("claim", _claim(req, entries, now), c.PROFILE_CLAIM)
    entries.add("requestor", _requestor(req), c.PROFILE_REQUESTOR)
    entries.add("insurer", _insurer(req), c.PROFILE_INSURER)
    entries.add("coverage", _coverage(req, entries), c.PROFILE_COVERAGE)
    patient_profile = c.PROFILE_SUBSCRIBER if req.relationship == "self" else c.PROFILE_BENEFICIARY
    entries.add("patient", _patient(req.patient, req.member_id), patient_profile)
    if req.relationship != "self":
        entries.add("subscriber", _patient(req.subscriber, req.member_id), c.PROFILE_SUBSCRIBER)  # type: ignore[arg-type]
    entries.add("practitioner-role", _practitioner_role(req, entries), c.PROFILE_PRACTITIONER_ROLE)
    entries.add("practitioner", _practitioner(req), c.PROFILE_PRACTITIONER)
    entries.add("location", _location(req), c.PROFILE_LOCATION)
    if req.packet is not None:
        entries.add("packet", _document_reference(req.packet, entries, now), c.PROFILE_DOCUMENT_REFERENCE)
    if req.questionnaire_response is not None:
        entries.add("questionnaire-response", _questionnaire_response(req.questionnaire_response, entries), None)
    bundle = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [c.PROFILE_REQUEST_BUNDLE]},
        "identifier": {"system": f"{base_url.rstrip('/')}/pas-request", "value": bundle_id},
        "type": "collection",
        "timestamp": _iso(now),
        "entry": entries.entries,
    }
    validate_bundle(bundle)
    return bundle


def _check(req: PasRequest) -> None:
    _npi(req.clinic_npi, "clinic_npi")
    _npi(req.practitioner_npi, "practitioner_npi")
    if not req.member_id.strip():
        raise PasBuildError("member_id: the member id from the insurance card is required")
    if not req.diagnosis_codes:
        raise PasBuildError("diagnosis_codes: at least one ICD-10-CM code is required")
    if not req.lines:
        raise PasBuildError("lines: at least one service line is required")
    if req.relationship != "self" and req.subscriber is None:
        raise PasBuildError("subscriber: the subscriber's name and birth date are required when the patient is not the subscriber")
    for line in req.lines:
        procedure_system(line.code)
        if line.units < 1:
            raise PasBuildError(f"lines: {line.code} asks for {line.units} units; at least 1 is required")
        if not _POS.match(line.place_of_service):
            raise PasBuildError(f"lines: place of service {line.place_of_service!r} is not a two-digit CMS code")
        if line.on and line.period:
            raise PasBuildError(f"lines: {line.code} has both a date and a period; give one")
        if line.period and line.period[1] < line.period[0]:
            raise PasBuildError(f"lines: {line.code} ends before it starts")


def _claim(req: PasRequest, entries: _Entries, now: datetime) -> dict[str, Any]:
    level_code, level_display, priority = _LEVEL[req.level_of_service]
    diagnoses = [dotted_icd10(code) for code in req.diagnosis_codes]
    supporting = _supporting_info(req, entries)
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "extension": [{"url": c.EXT_LEVEL_OF_SERVICE, "valueCodeableConcept": concept(c.X12_LEVEL_OF_SERVICE, level_code, level_display)}],
        "identifier": [{"system": f"{entries.base_url}/pas-request", "value": entries.bundle_id}],
        "status": "active",
        "type": concept(c.CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": entries.reference("Patient", "patient"),
        "created": _iso(now),
        "insurer": entries.reference("Organization", "insurer"),
        "provider": entries.reference("Organization", "requestor"),
        "priority": concept(c.PROCESS_PRIORITY, priority),
        "careTeam": [{
            "extension": [{"url": c.EXT_CARE_TEAM_CLAIM_SCOPE, "valueBoolean": True}],
            "sequence": 1,
            "provider": entries.reference("PractitionerRole", "practitioner-role"),
        }],
        "supportingInfo": supporting,
        "diagnosis": [
            {"sequence": n, "diagnosisCodeableConcept": concept(c.ICD10CM, code)} for n, code in enumerate(diagnoses, start=1)
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": entries.reference("Coverage", "coverage")}],
        "item": [_item(req, line, n, len(diagnoses), entries) for n, line in enumerate(req.lines, start=1)],
    }
    if not supporting:
        del claim["supportingInfo"]
    return claim


def _supporting_info(req: PasRequest, entries: _Entries) -> list[dict[str, Any]]:
    info: list[dict[str, Any]] = []
    event = _event_period(req.lines)
    if event:
        # The dates of the requested event (X12 2000E DTP), from the service lines' dates.
        info.append({"category": concept(c.PAS_TEMP_CODES, "patientEvent"), "timingPeriod": event})
    if req.packet is not None:
        info.append({
            "extension": [{"url": c.EXT_DOCUMENT_INFORMATION, "extension": [
                {"url": "reportTypeCode", "valueCodeableConcept": concept(c.X12_REPORT_TYPE, "PY", "Physician's Report")},
                {"url": "transmissionMethod", "valueCodeableConcept": concept(c.X12_TRANSMISSION, "EL", "Electronically Only")},
                {"url": "description", "valueString": req.packet.title},
            ]}],
            "category": concept(c.PAS_TEMP_CODES, "additionalInformation"),
            "valueReference": entries.reference("DocumentReference", "packet"),
        })
    if req.questionnaire_response is not None:
        info.append({
            "category": concept(c.PAS_TEMP_CODES, "additionalInformation"),
            "valueReference": entries.reference("QuestionnaireResponse", "questionnaire-response"),
        })
    return [{"sequence": n, **item} for n, item in enumerate(info, start=1)]


def _event_period(lines: tuple[ServiceLine, ...]) -> dict[str, str] | None:
    days = [d for line in lines for d in ((line.on,) if line.on else line.period or ())]
    if not days:
        return None
    return {"start": min(days).isoformat(), "end": max(days).isoformat()}


def _item(req: PasRequest, line: ServiceLine, sequence: int, diagnosis_count: int, entries: _Entries) -> dict[str, Any]:
    cert_code, cert_display = _CERTIFICATION[req.certification_type]
    product = {"coding": [coding(procedure_system(line.code), line.code)]}
    item: dict[str, Any] = {
        "extension": [
            {"url": c.EXT_REQUEST_TYPE, "valueCodeableConcept": concept(c.X12_REQUEST_TYPE, req.request_type, _REQUEST_TYPE[req.request_type])},
            {"url": c.EXT_CERTIFICATION_TYPE, "valueCodeableConcept": concept(c.X12_CERTIFICATION_TYPE, cert_code, cert_display)},
            {"url": c.EXT_ITEM_TRACE_NUMBER, "valueIdentifier": {"system": f"{entries.base_url}/pas-item", "value": f"{entries.bundle_id}-{sequence}"}},
        ],
        "sequence": sequence,
        "careTeamSequence": [1],
        "diagnosisSequence": list(range(1, diagnosis_count + 1)),
        "category": concept(c.X12_SERVICE_TYPE, line.service_type, SERVICE_TYPES.get(line.service_type)),
        "productOrService": product,
        "locationCodeableConcept": concept(c.PLACE_OF_SERVICE, line.place_of_service),
        "quantity": {"value": line.units},
    }
    if line.modifiers:
        item["modifier"] = [{"coding": [coding(c.CPT, m)]} for m in line.modifiers]
    if line.on:
        item["servicedDate"] = line.on.isoformat()
    elif line.period:
        item["servicedPeriod"] = {"start": line.period[0].isoformat(), "end": line.period[1].isoformat()}
    return item


def _requestor(req: PasRequest) -> dict[str, Any]:
    org: dict[str, Any] = {
        "resourceType": "Organization",
        "identifier": [{"system": c.NPI, "value": req.clinic_npi}],
        "active": True,
        "type": [concept(c.X12_ENTITY_TYPE, "1P")],  # X12 98 "1P": provider (the requester, 278 loop 2010B)
        "name": req.clinic_name,
    }
    if req.clinic_phone:
        org["telecom"] = [{"system": "phone", "value": req.clinic_phone}]
    if req.clinic_address:
        org["address"] = [_address(req.clinic_address)]
    return org


def _insurer(req: PasRequest) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        # The payer's electronic id; v2-0203 NIIP is "National Insurance Payor Identifier (Payor)".
        "identifier": [{"type": concept(c.IDENTIFIER_TYPE, "NIIP"), "value": req.payer_id}],
        "active": True,
        "type": [concept(c.X12_ENTITY_TYPE, "PR")],  # X12 98 "PR": payer
        "name": req.payer_name,
    }


def _coverage(req: PasRequest, entries: _Entries) -> dict[str, Any]:
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "identifier": [{"type": concept(c.IDENTIFIER_TYPE, "MB"), "value": req.member_id}],
        "status": "active",
        "subscriberId": req.member_id,
        "beneficiary": entries.reference("Patient", "patient"),
        "relationship": {"coding": [
            coding(c.SUBSCRIBER_RELATIONSHIP, req.relationship),
            coding(c.X12_RELATIONSHIP, _X12_RELATIONSHIP[req.relationship]),
        ]},
        "payor": [entries.reference("Organization", "insurer")],
    }
    if req.relationship != "self":
        coverage["subscriber"] = entries.reference("Patient", "subscriber")
    if req.coverage_group:
        coverage["class"] = [{"type": concept("http://terminology.hl7.org/CodeSystem/coverage-class", "group"), "value": req.coverage_group}]
    return coverage


def _patient(person: Person, member_id: str) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"type": concept(c.IDENTIFIER_TYPE, "MB"), "value": member_id}],
        "name": [_human_name(person.family, person.given)],
        "gender": person.gender,
        "birthDate": person.birth_date.isoformat(),
    }
    if person.address:
        patient["address"] = [_address(person.address)]
    return patient


def _practitioner_role(req: PasRequest, entries: _Entries) -> dict[str, Any]:
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "practitioner": entries.reference("Practitioner", "practitioner"),
        "organization": entries.reference("Organization", "requestor"),
        "location": [entries.reference("Location", "location")],
    }
    if req.clinic_phone:
        role["telecom"] = [{"system": "phone", "value": req.clinic_phone}]
    return role


def _practitioner(req: PasRequest) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": c.NPI, "value": req.practitioner_npi}],
        "name": [_human_name(req.practitioner_family, req.practitioner_given)],
    }


def _location(req: PasRequest) -> dict[str, Any]:
    location: dict[str, Any] = {"resourceType": "Location", "name": req.clinic_name}
    if req.clinic_address:
        location["address"] = _address(req.clinic_address)
    return location


def _document_reference(packet: SupportingDocument, entries: _Entries, now: datetime) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": concept(c.LOINC, packet.loinc_type),
        "category": [concept(c.US_CORE_DOCUMENT_CATEGORY, "clinical-note")],
        "subject": entries.reference("Patient", "patient"),
        "date": _iso(now),
        "description": packet.title,
        "content": [{"attachment": {
            "contentType": packet.content_type,
            "data": base64.b64encode(packet.content).decode("ascii"),
            "title": packet.title,
            "size": len(packet.content),
        }}],
    }


def _questionnaire_response(answers: dict[str, Any], entries: _Entries) -> dict[str, Any]:
    if answers.get("resourceType") != "QuestionnaireResponse":
        raise PasBuildError("questionnaire_response: expected a QuestionnaireResponse resource")
    # A copy with our id and our patient, so its references resolve inside this bundle.
    copy = {k: v for k, v in answers.items() if k not in ("id", "meta")}
    copy["subject"] = entries.reference("Patient", "patient")
    meta = answers.get("meta")
    if isinstance(meta, dict) and meta.get("profile"):
        copy["meta"] = {"profile": list(meta["profile"])}
    return copy


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Check a PAS request Bundle before it leaves: it has entries, the Claim comes first (the PAS
    ClaimFirst invariant), every reference resolves to an entry (a payer cannot follow a reference to
    our system), and the bundle and each entry parse with the FHIR R4B models. PasBuildError names the
    first problem."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise PasBuildError("bundle: a PAS request is a Bundle")
    if not refs.entries(bundle):
        raise PasBuildError("entry: the request bundle is empty; it must hold the Claim and every resource the Claim points at")
    first = refs.entries(bundle)[0]["resource"]
    if first.get("resourceType") != "Claim" or first.get("use") != "preauthorization":
        raise PasBuildError(f"entry[0]: the first entry is {first.get('resourceType')}; a PAS request starts with its Claim (use = preauthorization)")
    missing = refs.dangling(bundle)
    if missing:
        shown = "; ".join(f"{r.path} -> {r.target}" for r in missing[:3])
        raise PasBuildError(f"references: {len(missing)} reference(s) point at nothing in the bundle ({shown})")
    for n, entry in enumerate(bundle.get("entry", [])):
        resource = entry["resource"]
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except ValidationError as exc:
            raise PasBuildError(f"entry[{n}] {resource['resourceType']} is not valid FHIR R4: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}") from exc
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise PasBuildError(f"the Bundle is not valid FHIR R4: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}") from exc
