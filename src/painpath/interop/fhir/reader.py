"""Read files into FHIR resources: a JSON Bundle or NDJSON (one resource per line, as a Bulk Data export
writes), told apart by content, never by file name.

Only what is filed is validated against the R4B models: the Patient (to match the chart) and the
clinical resources of the matched patient (`facts.extract_facts`). Encounters, claims and the like are
counted and left alone, and so are the records of other patients in a multi-patient export.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from painpath.interop.fhir.errors import FhirImportError
from painpath.interop.fhir.references import ReferenceIndex, resource_key
from painpath.interop.fhir.sources import Source

# Clinical resources filed as facts, and the category each is filed under.
CATEGORY_OF = {
    "Condition": "condition",
    "MedicationRequest": "medication",
    "MedicationStatement": "medication",
    "Procedure": "procedure",
    "DiagnosticReport": "diagnostic_report",
    "ImagingStudy": "imaging_study",
    "Observation": "observation",
}
# Resources read because facts point at them.
LOOKUP_TYPES = ("Patient", "Medication")
# Questionnaire answers are filed as instrument administrations (scored by our engine), with the
# Questionnaires and ValueSets in the same file used only to read them.
QUESTIONNAIRE_TYPES = ("QuestionnaireResponse", "Questionnaire", "ValueSet")
BUNDLE_TYPES = ("transaction", "batch", "collection", "searchset", "document")

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class RawResource:
    """One resource as read (not yet validated), with where it came from."""

    resource_type: str
    fhir_id: str | None
    full_url: str | None
    data: dict[str, Any]
    location: str

    @property
    def key(self) -> str | None:
        return resource_key(self.resource_type, self.fhir_id, self.full_url)

    @property
    def label(self) -> str:
        return f"{self.resource_type} {self.fhir_id or self.full_url or '(no id)'} ({self.location})"


@dataclass
class RecordSet:
    """Everything read from one import's files."""

    formats: set[str] = field(default_factory=set)
    bundle_types: set[str] = field(default_factory=set)
    clinical: list[RawResource] = field(default_factory=list)
    patients: dict[str, tuple[RawResource, Any]] = field(default_factory=dict)  # key -> (raw, R4B Patient)
    lookups: dict[str, RawResource] = field(default_factory=dict)  # key -> Medication and the like
    ignored: Counter = field(default_factory=Counter)  # resource type -> count, not filed
    questionnaire_parts: dict[str, list[RawResource]] = field(default_factory=dict)  # QUESTIONNAIRE_TYPES -> resources
    skipped_sources: list[str] = field(default_factory=list)  # files in a set that hold no FHIR
    duplicates: int = 0
    total: int = 0
    index: ReferenceIndex = field(default_factory=ReferenceIndex)
    _seen: set[str] = field(default_factory=set, repr=False)

    @property
    def format(self) -> str:
        return "+".join(sorted(self.formats)) or "none"

    def add(self, raw: RawResource) -> None:
        self.total += 1
        key = raw.key
        if key is not None:
            if key in self._seen:
                self.duplicates += 1
                return
            self._seen.add(key)
            self.index.add(key, raw.resource_type, raw.fhir_id, raw.full_url)
        if raw.resource_type in CATEGORY_OF:
            self.clinical.append(raw)
        elif raw.resource_type == "Patient":
            self.patients[key or f"Patient#{len(self.patients)}"] = (raw, validate(raw))
        elif raw.resource_type in LOOKUP_TYPES and key is not None:
            self.lookups[key] = raw
        elif raw.resource_type in QUESTIONNAIRE_TYPES:
            self.questionnaire_parts.setdefault(raw.resource_type, []).append(raw)
        else:
            self.ignored[raw.resource_type] += 1

    @property
    def answers_only(self) -> bool:
        """Questionnaire answers alone (with their Questionnaires and ValueSets): no Patient, no other records."""
        return (not self.patients and not self.clinical and not self.ignored
                and bool(self.questionnaire_parts.get("QuestionnaireResponse")))

    def subject_key(self, raw: RawResource) -> str | None:
        """The key of the Patient a clinical resource is about, if that Patient is in this set."""
        subject = raw.data.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        key = self.index.resolve(reference) if isinstance(reference, str) else None
        return key if key in self.patients else None


# Validation ------------------------------------------------------------------------------------

def _path(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(resource)"


def validate(raw: RawResource) -> Any:  # noqa: ANN401 - an R4B model instance
    """The R4B model of a resource, or an error naming the resource, where it is, and the bad element."""
    try:
        model_class = get_fhir_model_class(raw.resource_type)
    except (KeyError, ValueError) as exc:
        raise FhirImportError("invalid_resource", f"{raw.label}: {raw.resource_type!r} is not a FHIR R4 resource type.") from exc
    try:
        return model_class.model_validate(raw.data)
    except ValidationError as exc:
        raise _invalid(raw.label, exc) from exc


def _invalid(label: str, exc: ValidationError) -> FhirImportError:
    errors = exc.errors()
    first = errors[0]
    path = _path(first.get("loc", ()))
    detail = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return FhirImportError("invalid_resource", f"{label} is not valid FHIR R4: {path}: {detail}{more}.", path=path)


# Reading ---------------------------------------------------------------------------------------

def _text(source: Source) -> str:
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FhirImportError(
            "not_text", f"{source.name} is not UTF-8 text (bad byte at offset {exc.start}); FHIR JSON files are UTF-8.",
            source=source.name,
        ) from exc


def _malformed(name: str, exc: json.JSONDecodeError, line: int | None = None) -> FhirImportError:
    at_line = line if line is not None else exc.lineno
    return FhirImportError(
        "malformed_json", f"{name} is not valid JSON: {exc.msg} at line {at_line}, column {exc.colno}.",
        source=name, line=at_line, column=exc.colno,
    )


def _not_fhir(name: str, what: str, line: int | None = None) -> FhirImportError:
    where = f" (line {line})" if line is not None else ""
    return FhirImportError(
        "not_fhir",
        f"{name} is JSON but not FHIR{where}: {what}. Expected a FHIR R4 Bundle, or NDJSON with one FHIR resource per line.",
        source=name, line=line,
    )


def _lines(text: str) -> list[str]:
    # Only "\n" ends an NDJSON line: str.splitlines() would also split on U+2028 and friends, which JSON
    # strings may hold unescaped.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _first_line(text: str) -> str:
    for line in _lines(text):
        if line.strip():
            return line
    return ""


def _parse(source: Source) -> tuple[str, Any]:
    """("bundle", the Bundle dict) or ("ndjson", the text), decided by content."""
    text = _text(source)
    if not text.strip():
        raise FhirImportError("empty", f"{source.name} is empty.", source=source.name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # Not one JSON document. If its first line is a JSON object on its own, it is NDJSON (and a bad line
        # further down is reported with its own line number); otherwise it is a broken JSON document.
        try:
            first = json.loads(_first_line(text))
        except json.JSONDecodeError:
            raise _malformed(source.name, exc) from exc
        if isinstance(first, dict):
            return "ndjson", text
        raise _malformed(source.name, exc) from exc
    if not isinstance(document, dict):
        raise _not_fhir(source.name, f"it holds a JSON {type(document).__name__}, not a resource")
    resource_type = document.get("resourceType")
    if not isinstance(resource_type, str):
        raise _not_fhir(source.name, "it has no resourceType")
    if resource_type == "Bundle":
        return "bundle", document
    if "\n" not in text.strip():
        return "ndjson", text  # one resource on one line is NDJSON of one
    if resource_type == "QuestionnaireResponse":
        return "ndjson", json.dumps(document)  # answers uploaded alone on an episode: a set of one
    raise FhirImportError(
        "not_bundle",
        f"{source.name} holds a single FHIR {resource_type} resource, not a Bundle. Send the patient's records as a "
        "Bundle (transaction, collection or searchset) or as Bulk Data NDJSON files.",
        source=source.name,
    )


def _read_bundle(records: RecordSet, name: str, document: dict, prefix: str) -> None:
    entries = document.get("entry") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FhirImportError("invalid_resource", f"Bundle in {name} is not valid FHIR R4: entry must be a list of entries.", path="entry")
    # The envelope against the R4B Bundle model; each filed resource is validated on its own later.
    envelope = {k: v for k, v in document.items() if k != "entry"}
    envelope["entry"] = [{k: v for k, v in e.items() if k != "resource"} for e in entries]
    try:
        bundle = Bundle.model_validate(envelope)
    except ValidationError as exc:
        raise _invalid(f"Bundle {document.get('id') or ''} in {name}".replace("  ", " "), exc) from exc
    if bundle.type not in BUNDLE_TYPES:
        raise FhirImportError(
            "unsupported_bundle",
            f"{name} is a '{bundle.type}' Bundle; import a transaction, collection, searchset or document Bundle, "
            "or Bulk Data NDJSON.",
            source=name,
        )
    records.bundle_types.add(bundle.type)
    for position, entry in enumerate(entries):
        resource = entry.get("resource")
        if resource is None:
            continue  # a transaction DELETE, a search outcome without a resource
        location = f"{prefix}entry[{position}]"
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise FhirImportError("invalid_resource", f"{name} {location} has a resource without a resourceType.", source=name, path=f"entry[{position}].resource")
        resource_id = resource.get("id")
        full_url = entry.get("fullUrl")
        records.add(RawResource(resource["resourceType"], resource_id if isinstance(resource_id, str) else None,
                                full_url if isinstance(full_url, str) else None, resource, location))


def _read_ndjson(records: RecordSet, name: str, text: str, prefix: str) -> None:
    first = True
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _malformed(name, exc, line=number) from exc
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _not_fhir(name, "a line without a resourceType" if not first else "it has no resourceType", line=None if first else number)
        first = False
        if resource["resourceType"] == "Bundle":
            raise FhirImportError(
                "not_bundle", f"{name} line {number} holds a Bundle; NDJSON files hold one resource per line. Import the Bundle as a file of its own.",
                source=name, line=number,
            )
        resource_id = resource.get("id")
        records.add(RawResource(resource["resourceType"], resource_id if isinstance(resource_id, str) else None,
                                None, resource, f"{prefix}line {number}"))


def read_records(sources: Sequence[Source], progress: Progress | None = None) -> RecordSet:
    """Read every file of one import into one RecordSet.

    In a set of several files (a Bulk Data export folder), a file that holds no FHIR at all (the export's
    log.ndjson, a README) is skipped and named in `skipped_sources`; a single file must be FHIR.
    """
    records = RecordSet()
    several = len(sources) > 1
    refused: list[FhirImportError] = []
    for done, source in enumerate(sources, start=1):
        prefix = f"{source.name} " if several else ""
        try:
            kind, content = _parse(source)
            if kind == "bundle":
                _read_bundle(records, source.name, content, prefix)
            else:
                _read_ndjson(records, source.name, content, prefix)
        except FhirImportError as exc:
            if several and exc.kind in ("not_fhir", "empty") and exc.line is None:
                records.skipped_sources.append(source.name)
                refused.append(exc)
                continue
            raise
        records.formats.add(kind)
        if progress:
            progress("read", done, len(sources))
    if not records.formats and refused:
        raise refused[0]
    if not records.patients and not records.answers_only:  # answers alone are filed on the episode they were uploaded on
        what = "these files have" if several else f"{sources[0].name} has"
        raise FhirImportError(
            "no_patient",
            f"No Patient resource: {what} no Patient, so the records cannot be matched to the chart. Export the "
            "patient's record as a Bundle that includes the Patient, or import the Bulk Data export's Patient file "
            "together with its other files.",
        )
    return records


def sniff_format(source: Source) -> str:
    """"bundle", "ndjson", or "unknown" (the import will say what is wrong with it), by content."""
    try:
        kind, _content = _parse(source)
    except FhirImportError:
        return "unknown"
    return kind
