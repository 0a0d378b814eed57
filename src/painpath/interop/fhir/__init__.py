"""FHIR R4 records in, plain facts out: read a Bundle or Bulk Data NDJSON with the fhir.resources R4B models,
match its Patient to the chart, and map Conditions, medications, Procedures, DiagnosticReports,
ImagingStudies and Observations to `ClinicalFact`s with their provenance. Pure: no database, no clock.
"""

from painpath.interop.fhir.errors import FhirImportError, PatientMismatch
from painpath.interop.fhir.facts import (
    CATEGORIES,
    CATEGORY_LABELS,
    ClinicalFact,
    Extracted,
    count_phrase,
    extract_facts,
    group_by_patient,
    system_label,
)
from painpath.interop.fhir.matching import ChartPatient, FilePatient, PatientMatch, match_patient
from painpath.interop.fhir.reader import CATEGORY_OF, RawResource, RecordSet, read_records, sniff_format
from painpath.interop.fhir.sources import Source, load_sources, sources_sha256

__all__ = [
    "CATEGORIES", "CATEGORY_LABELS", "CATEGORY_OF", "ChartPatient", "ClinicalFact", "Extracted", "FhirImportError",
    "FilePatient", "PatientMatch", "PatientMismatch", "RawResource", "RecordSet", "Source", "count_phrase",
    "extract_facts", "group_by_patient", "load_sources", "match_patient", "read_records", "sniff_format",
    "sources_sha256", "system_label",
]
