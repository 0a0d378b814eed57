"""Reading FHIR R4 records into facts, without a database: formats told apart by content, references
resolved, patients matched, and every refusal saying what is wrong and where."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from painpath.interop import fhir
from painpath.interop.fhir import ChartPatient, FhirImportError, PatientMismatch, Source

PATIENT = {
    "resourceType": "Patient", "id": "p1",
    "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "EHR-778"}, {"type": {"coding": [{"code": "SS"}]}, "value": "999-11-2222"}],
    "name": [{"use": "official", "family": "O'Keefe54", "given": ["Mary", "Ann"]}, {"use": "maiden", "family": "Byrne", "given": ["Mary"]}],
    "birthDate": "1970-02-03",
}
CHART = ChartPatient(family_name="OKeefe", given_name="mary", birth_date=date(1970, 2, 3), mrn="MRN-1")


def condition(cid: str, subject: str, **extra) -> dict:
    return {
        "resourceType": "Condition", "id": cid, "subject": {"reference": subject},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16", "display": "Radiculopathy, lumbar region"}]},
        "onsetDateTime": "2026-01-05T09:00:00-05:00", **extra,
    }


def transaction(*resources: dict, urls: list[str] | None = None, kind: str = "transaction") -> dict:
    entries = []
    for i, resource in enumerate(resources):
        url = urls[i] if urls else f"urn:uuid:{resource.get('id', i)}"
        entries.append({"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}})
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def read(data: bytes | str | dict, name: str = "records.json") -> fhir.RecordSet:
    if isinstance(data, dict):
        data = json.dumps(data, indent=1)
    if isinstance(data, str):
        data = data.encode()
    return fhir.read_records([Source(name, data)])


def facts_for(records: fhir.RecordSet, chart: ChartPatient = CHART) -> fhir.Extracted:
    match = fhir.match_patient(chart, {k: m for k, (_raw, m) in records.patients.items()})
    return fhir.extract_facts(records, match.keys)


def refusal(data: bytes | str | dict, name: str = "records.json") -> FhirImportError:
    with pytest.raises(FhirImportError) as refused:
        read(data, name)
    return refused.value


# Formats and references --------------------------------------------------------------------------

def test_transaction_bundle_resolves_urn_uuid_references_without_resource_ids():
    patient = {k: v for k, v in PATIENT.items() if k != "id"}
    cond = {k: v for k, v in condition("c1", "urn:uuid:aaa").items() if k != "id"}
    records = read(transaction(patient, cond, urls=["urn:uuid:aaa", "urn:uuid:bbb"]))
    assert records.format == "bundle" and records.bundle_types == {"transaction"}
    (fact,) = facts_for(records).facts
    assert fact.category == "condition" and fact.full_url == "urn:uuid:bbb" and fact.location == "entry[1]"
    assert (fact.code_system, fact.code, fact.display) == ("http://hl7.org/fhir/sid/icd-10-cm", "M54.16", "Radiculopathy, lumbar region")
    assert fact.status == "active" and fact.effective_date == date(2026, 1, 5)


def test_searchset_resolves_relative_references_against_absolute_full_urls():
    base = "https://ehr.example/fhir"
    bundle = transaction(PATIENT, condition("c1", "Patient/p1"), condition("c2", f"{base}/Patient/p1/_history/3"),
                         urls=[f"{base}/Patient/p1", f"{base}/Condition/c1", f"{base}/Condition/c2"], kind="searchset")
    facts = facts_for(read(bundle)).facts
    assert [f.fhir_id for f in facts] == ["c1", "c2"] and {f.patient_ref for f in facts} == {"p1"}


def test_ndjson_groups_by_patient_reference_and_counts_the_others():
    other = {**PATIENT, "id": "p2", "name": [{"family": "Else", "given": ["Someone"]}], "identifier": []}
    lines = [PATIENT, other, condition("c1", "Patient/p1"), condition("c2", "Patient/p2"), condition("c3", "Patient/p2"),
             condition("c4", "Patient/nobody")]
    records = read("\n".join(json.dumps(r) for r in lines) + "\n", "Condition.000.ndjson")
    assert records.format == "ndjson"
    assert set(fhir.group_by_patient(records)) == {"Patient/p1", "Patient/p2", None}
    extracted = facts_for(records)
    assert [f.fhir_id for f in extracted.facts] == ["c1"]
    assert (extracted.other_patients, extracted.other_patient_resources, extracted.unattached) == (1, 2, 1)
    assert extracted.facts[0].full_url == "Condition/c1" and extracted.facts[0].location == "line 3"


def test_one_resource_on_one_line_is_ndjson_but_pretty_printed_it_is_refused():
    assert read(json.dumps(PATIENT)).format == "ndjson"
    refused = refusal(json.dumps(condition("c1", "Patient/p1"), indent=2), "condition.json")
    assert refused.kind == "not_bundle"
    assert "condition.json holds a single FHIR Condition resource, not a Bundle" in refused.message


def test_a_folder_export_skips_files_that_are_not_fhir_and_names_them(tmp_path):
    (tmp_path / "Patient.000.ndjson").write_text(json.dumps(PATIENT) + "\n")
    (tmp_path / "Condition.000.ndjson").write_text(json.dumps(condition("c1", "Patient/p1")) + "\n")
    (tmp_path / "log.ndjson").write_text('{"exportId": "x", "eventId": "kickoff"}\n{"exportId": "x", "eventId": "done"}\n')
    sources, label = fhir.load_sources(tmp_path)
    assert label == f"{tmp_path.name}/" and len(sources) == 3
    records = fhir.read_records(sources)
    assert records.skipped_sources == ["log.ndjson"]
    assert [f.location for f in facts_for(records).facts] == ["Condition.000.ndjson line 1"]
    alone = fhir.load_sources(tmp_path / "log.ndjson")[0]
    with pytest.raises(FhirImportError, match="is JSON but not FHIR"):
        fhir.read_records(alone)


def test_the_digest_of_a_set_ignores_order_and_names():
    a, b = Source("a.ndjson", b"1"), Source("b.ndjson", b"2")
    assert fhir.sources_sha256([a, b]) == fhir.sources_sha256([Source("x", b"2"), Source("y", b"1")])
    assert fhir.sources_sha256([a]) == a.sha256 != fhir.sources_sha256([a, b])


# Refusals ----------------------------------------------------------------------------------------

def test_malformed_json_names_line_and_column():
    text = json.dumps(transaction(PATIENT), indent=1).replace('"birthDate"', '"birthDate" ,', 1)
    refused = refusal(text, "lemke.json")
    assert refused.kind == "malformed_json" and refused.line is not None and refused.column is not None
    assert f"lemke.json is not valid JSON: Expecting ':' delimiter at line {refused.line}, column {refused.column}." == refused.message
    assert text.splitlines()[refused.line - 1].lstrip().startswith('"birthDate"')


def test_malformed_ndjson_names_the_bad_line():
    text = "\n".join([json.dumps(PATIENT), json.dumps(condition("c1", "Patient/p1")), '{"resourceType": "Condition", "id": }'])
    refused = refusal(text, "Condition.000.ndjson")
    assert refused.kind == "malformed_json" and refused.line == 3
    assert "line 3, column 37" in refused.message


@pytest.mark.parametrize("document, words", [
    ({"patient": "Lemke"}, "it has no resourceType"),
    ([{"resourceType": "Patient"}], "it holds a JSON list, not a resource"),
])
def test_json_that_is_not_fhir_is_refused(document, words):
    refused = refusal(json.dumps(document, indent=1), "export.json")
    assert refused.kind == "not_fhir"
    assert refused.message.startswith(f"export.json is JSON but not FHIR: {words}.")


def test_an_invalid_resource_names_type_id_and_path():
    bad = condition("c9", "urn:uuid:p1", onsetDateTime="last spring")
    records = read(transaction(PATIENT, bad, urls=["urn:uuid:p1", "urn:uuid:c9"]))
    with pytest.raises(FhirImportError) as refused:
        facts_for(records)
    assert refused.value.kind == "invalid_resource" and refused.value.path == "onsetDateTime"
    assert refused.value.message.startswith("Condition c9 (entry[1]) is not valid FHIR R4: onsetDateTime: ")


def test_an_invalid_patient_is_refused_when_read():
    bad = {**PATIENT, "birthDate": "3 Feb 1970"}
    refused = refusal(transaction(bad))
    assert refused.kind == "invalid_resource" and "Patient p1 (entry[0])" in refused.message and "birthDate" in refused.message


def test_a_bundle_without_a_patient_is_refused():
    refused = refusal(transaction(condition("c1", "Patient/p1")), "conditions.json")
    assert refused.kind == "no_patient" and "conditions.json has no Patient" in refused.message


def test_a_history_bundle_is_refused():
    refused = refusal(transaction(PATIENT, kind="history"), "h.json")
    assert refused.kind == "unsupported_bundle" and "'history' Bundle" in refused.message


def test_a_bundle_envelope_is_checked_against_the_r4b_model():
    refused = refusal({**transaction(PATIENT), "total": "many"}, "b.json")
    assert refused.kind == "invalid_resource" and refused.path == "total"
    assert refused.message.startswith("Bundle in b.json is not valid FHIR R4: total: ")
    assert refusal({**transaction(PATIENT), "type": "sideways"}).kind == "unsupported_bundle"


# Matching the chart --------------------------------------------------------------------------------

def test_names_match_without_case_digits_or_punctuation_on_the_first_given_name():
    match = fhir.match_patient(CHART, {"Patient/p1": read(transaction(PATIENT)).patients["Patient/p1"][1]})
    assert match.keys == {"Patient/p1"}


@pytest.mark.parametrize("chart", [
    ChartPatient("OKeefe", "Ann", date(1970, 2, 3)),  # not the first given name
    ChartPatient("OKeefe", "Mary", date(1970, 2, 4)),  # another birth date
    ChartPatient("Keefe", "Mary", date(1970, 2, 3)),
])
def test_a_different_person_is_refused_naming_both(chart):
    records = read(transaction(PATIENT))
    with pytest.raises(PatientMismatch) as refused:
        fhir.match_patient(chart, {k: m for k, (_r, m) in records.patients.items()})
    assert refused.value.message.startswith(
        f"This file is for Mary O'Keefe54, born 1970-02-03; the episode is for {chart.given_name} {chart.family_name}, "
        f"born {chart.birth_date.isoformat()}."
    )


def test_another_name_on_the_patient_and_the_mrn_also_match():
    model = read(transaction(PATIENT)).patients["Patient/p1"][1]
    assert fhir.match_patient(ChartPatient("byrne", "MARY", date(1970, 2, 3)), {"k": model}).keys == {"k"}
    by_mrn = ChartPatient("Someone", "Else", date(1999, 1, 1), mrn="ehr-778")
    assert fhir.match_patient(by_mrn, {"k": model}).keys == {"k"}
    # An SSN is not a medical record number, even when the chart's MRN field holds the same digits.
    with pytest.raises(PatientMismatch):
        fhir.match_patient(ChartPatient("Someone", "Else", date(1999, 1, 1), mrn="999-11-2222"), {"k": model})


# Mapping -----------------------------------------------------------------------------------------

def test_observations_keep_value_unit_and_components():
    weight = {"resourceType": "Observation", "id": "o1", "status": "final", "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body Weight"}]},
              "effectiveDateTime": "2025-03-04", "valueQuantity": {"value": 81.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}
    pressure = {"resourceType": "Observation", "id": "o2", "status": "final", "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel"}]},
                "effectivePeriod": {"start": "2025-03"},
                "component": [
                    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]}, "valueQuantity": {"value": 128, "unit": "mm[Hg]"}},
                    {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic"}]}, "valueQuantity": {"value": 82, "unit": "mm[Hg]"}},
                ]}
    pain = {"resourceType": "Observation", "id": "o3", "status": "amended", "subject": {"reference": "Patient/p1"},
            "code": {"text": "Pain interference"}, "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA1", "display": "Quite a bit"}]}}
    facts = {f.fhir_id: f for f in facts_for(read("\n".join(json.dumps(r) for r in (PATIENT, weight, pressure, pain)))).facts}
    assert (facts["o1"].value, facts["o1"].value_number, facts["o1"].unit, facts["o1"].effective_date) == ("81.5", 81.5, "kg", date(2025, 3, 4))
    assert facts["o2"].value == "Systolic: 128 mm[Hg]; Diastolic: 82 mm[Hg]" and facts["o2"].effective_date == date(2025, 3, 1)
    assert (facts["o3"].code, facts["o3"].display, facts["o3"].value, facts["o3"].status) == (None, "Pain interference", "Quite a bit", "amended")


def test_medications_resolve_contained_and_bundled_medication_resources():
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    medication = {"resourceType": "Medication", "id": "m1", "code": {"coding": [{"system": rxnorm, "code": "1049221", "display": "oxyCODONE 5 MG"}]}}
    by_reference = {"resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order",
                    "subject": {"reference": "urn:uuid:p1"}, "medicationReference": {"reference": "urn:uuid:m1"}, "authoredOn": "2024-11-02"}
    contained = {"resourceType": "MedicationStatement", "id": "s1", "status": "active", "subject": {"reference": "urn:uuid:p1"},
                 "contained": [{"resourceType": "Medication", "id": "med", "code": {"coding": [{"system": rxnorm, "code": "197696", "display": "Gabapentin 300 MG"}]}}],
                 "medicationReference": {"reference": "#med"}, "effectivePeriod": {"start": "2024-10-01"}}
    named_only = {"resourceType": "MedicationRequest", "id": "r2", "status": "stopped", "intent": "order",
                  "subject": {"reference": "urn:uuid:p1"}, "medicationReference": {"display": "Naproxen 500 MG"}}
    bundle = transaction(PATIENT, medication, by_reference, contained, named_only,
                         urls=["urn:uuid:p1", "urn:uuid:m1", "urn:uuid:r1", "urn:uuid:s1", "urn:uuid:r2"])
    extracted = facts_for(read(bundle))
    facts = {f.fhir_id: f for f in extracted.facts}
    assert (facts["r1"].code, facts["r1"].display, facts["r1"].effective_date) == ("1049221", "oxyCODONE 5 MG", date(2024, 11, 2))
    assert (facts["s1"].resource_type, facts["s1"].code, facts["s1"].effective_date) == ("MedicationStatement", "197696", date(2024, 10, 1))
    assert (facts["r2"].code, facts["r2"].display) == (None, "Naproxen 500 MG")
    assert extracted.counts["medication"] == 3


def test_procedures_reports_and_imaging_studies():
    procedure = {"resourceType": "Procedure", "id": "x1", "status": "completed", "subject": {"reference": "Patient/p1"},
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "231203005", "display": "Epidural injection"}]},
                 "performedPeriod": {"start": "2025-06-01T10:00:00Z", "end": "2025-06-01T10:30:00Z"}, "meta": {"source": "urn:ehr:clinic-a"}}
    report = {"resourceType": "DiagnosticReport", "id": "d1", "status": "final", "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": "http://loinc.org", "code": "24558-9", "display": "MR Lumbar spine"}]},
              "issued": "2025-05-20T08:00:00Z", "conclusion": "L4-5 disc protrusion"}
    study = {"resourceType": "ImagingStudy", "id": "i1", "status": "available", "subject": {"reference": "Patient/p1"},
             "started": "2025-05-19", "numberOfSeries": 1, "numberOfInstances": 3,
             "series": [{"uid": "1.2.3", "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR", "display": "Magnetic Resonance"},
                         "bodySite": {"system": "http://snomed.info/sct", "code": "122496007", "display": "Lumbar spine"}}]}
    facts = {f.fhir_id: f for f in facts_for(read("\n".join(json.dumps(r) for r in (PATIENT, procedure, report, study)))).facts}
    assert (facts["x1"].effective_date, facts["x1"].meta_source) == (date(2025, 6, 1), "urn:ehr:clinic-a")
    assert (facts["d1"].category, facts["d1"].effective_date, facts["d1"].value) == ("diagnostic_report", date(2025, 5, 20), "L4-5 disc protrusion")
    assert (facts["i1"].code, facts["i1"].display, facts["i1"].value) == ("MR", "Magnetic Resonance of Lumbar spine", "1 series, 3 instances")
    assert fhir.count_phrase({"condition": 1, "imaging_study": 2, "observation": 0}) == "1 condition, 2 imaging studies"


def test_unsupported_resources_are_counted_not_validated():
    claim = {"resourceType": "Claim", "id": "cl1", "status": "no-such-status"}  # invalid, and not ours to file
    records = read(transaction(PATIENT, claim, {"resourceType": "Encounter", "id": "e1"}))
    assert dict(records.ignored) == {"Claim": 1, "Encounter": 1}
    assert facts_for(records).facts == []


def test_sniffing_tells_bundle_from_ndjson_by_content():
    assert fhir.sniff_format(Source("a.ndjson", json.dumps(transaction(PATIENT)).encode())) == "bundle"
    assert fhir.sniff_format(Source("b.json", (json.dumps(PATIENT) + "\n" + json.dumps(PATIENT)).encode())) == "ndjson"
    assert fhir.sniff_format(Source("c.json", b"{nope")) == "unknown"


def test_a_missing_path_is_refused_plainly(tmp_path: Path):
    with pytest.raises(FhirImportError, match="There is no file or folder at"):
        fhir.load_sources(tmp_path / "missing.json")


def test_junk_after_a_bundle_is_reported_where_it_starts():
    text = json.dumps(transaction(PATIENT), indent=1) + "\nEOF\n"
    refused = refusal(text, "b.json")
    assert refused.kind == "malformed_json" and refused.line == len(text.splitlines())
    assert f"b.json is not valid JSON: Extra data at line {refused.line}, column 1." == refused.message


def test_ndjson_lines_end_only_at_newlines():
    note = {**condition("c1", "Patient/p1"), "note": [{"text": "first\u2028second"}]}
    text = json.dumps(PATIENT) + "\r\n" + json.dumps(note, ensure_ascii=False) + "\r\n"
    (fact,) = facts_for(read(text, "Condition.000.ndjson")).facts
    assert fact.location == "line 2"
