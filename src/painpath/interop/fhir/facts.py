"""Clinical resources as plain facts: what it is (code system, code, words), its status, its date, its value,
whose it is, and where it came from. No FHIR models leave this module."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from painpath.interop.fhir.reader import CATEGORY_OF, Progress, RawResource, RecordSet, validate

CATEGORIES = ("condition", "medication", "procedure", "diagnostic_report", "imaging_study", "observation")
CATEGORY_LABELS = {
    "condition": ("condition", "conditions"),
    "medication": ("medication", "medications"),
    "procedure": ("procedure", "procedures"),
    "diagnostic_report": ("diagnostic report", "diagnostic reports"),
    "imaging_study": ("imaging study", "imaging studies"),
    "observation": ("observation", "observations"),
}
SYSTEM_LABELS = {
    "http://snomed.info/sct": "SNOMED CT",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
    "http://loinc.org": "LOINC",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "http://www.ama-assn.org/go/cpt": "CPT",
    "http://dicom.nema.org/resources/ontology/DCM": "DICOM",
}


def system_label(system: str | None) -> str:
    if not system:
        return ""
    return SYSTEM_LABELS.get(system, system)


def count_phrase(counts: dict[str, int]) -> str:
    """'12 conditions, 9 medications, 1 imaging study' in category order, leaving out zeros."""
    parts = []
    for category in CATEGORIES:
        n = counts.get(category, 0)
        if n:
            singular, plural = CATEGORY_LABELS[category]
            parts.append(f"{n} {singular if n == 1 else plural}")
    return ", ".join(parts) or "no clinical facts"


@dataclass(frozen=True, slots=True)
class ClinicalFact:
    resource_type: str
    fhir_id: str | None
    category: str
    code_system: str | None
    code: str | None
    display: str | None
    status: str | None
    effective_date: date | None  # onset, authored, performed or effective date, as the source dated it
    value: str | None  # observations: the value as given (a number, a coded answer, components)
    value_number: float | None
    unit: str | None
    patient_ref: str | None  # the FHIR id of the Patient it is about
    full_url: str | None  # provenance: the entry's fullUrl, or Type/id for NDJSON
    meta_source: str | None
    location: str  # provenance: "entry[12]", "Condition.000.ndjson line 57"


@dataclass
class Extracted:
    facts: list[ClinicalFact] = field(default_factory=list)
    other_patients: int = 0  # patients in the file who are not the chart's patient
    other_patient_resources: int = 0  # their clinical resources, not filed
    unattached: int = 0  # clinical resources about no Patient in the file

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(f.category for f in self.facts)
        return {category: found.get(category, 0) for category in CATEGORIES}


# Element helpers -------------------------------------------------------------------------------

def _to_date(value: Any) -> date | None:  # noqa: ANN401
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()  # the day as the source recorded it, in its own offset
    if isinstance(value, date):
        return value
    if isinstance(value, str):  # a partial date ("2012", "2012-05"): its first day
        parts = value[:10].split("-")
        try:
            return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
        except (ValueError, IndexError):
            return None
    return None


def _first_date(model: Any, *names: str) -> date | None:  # noqa: ANN401
    for name in names:
        value = getattr(model, name, None)
        if value is None:
            continue
        if name.endswith("Period"):
            value = value.start or value.end
        found = _to_date(value)
        if found is not None:
            return found
    return None


def _coding(concept: Any) -> tuple[str | None, str | None, str | None]:  # noqa: ANN401
    """(system, code, display) of a CodeableConcept: its first coding with a code, as given."""
    if concept is None:
        return None, None, None
    codings = getattr(concept, "coding", None) or []
    chosen = next((c for c in codings if c.code), codings[0] if codings else None)
    text = getattr(concept, "text", None)
    if chosen is None:
        return None, None, text
    return chosen.system, chosen.code, chosen.display or text


def _concept_words(concept: Any) -> str | None:  # noqa: ANN401
    system, code, display = _coding(concept)
    return display or code


def _number(value: Decimal | int | float | None) -> str:
    return "" if value is None else str(value)


def _quantity(q: Any) -> tuple[str, float | None, str | None]:  # noqa: ANN401
    unit = q.unit or q.code
    comparator = q.comparator or ""
    number = float(q.value) if q.value is not None else None
    return f"{comparator}{_number(q.value)}", number, unit


def _value(model: Any) -> tuple[str | None, float | None, str | None]:  # noqa: ANN401
    """An observation's (or component's) value as text, its number and its unit."""
    if getattr(model, "valueQuantity", None) is not None:
        return _quantity(model.valueQuantity)
    if getattr(model, "valueCodeableConcept", None) is not None:
        return _concept_words(model.valueCodeableConcept), None, None
    if getattr(model, "valueString", None) is not None:
        return model.valueString, None, None
    if getattr(model, "valueBoolean", None) is not None:
        return "true" if model.valueBoolean else "false", None, None
    if getattr(model, "valueInteger", None) is not None:
        return str(model.valueInteger), float(model.valueInteger), None
    if getattr(model, "valueRange", None) is not None:
        low, high = model.valueRange.low, model.valueRange.high
        unit = (low.unit if low else None) or (high.unit if high else None)
        return f"{_number(low.value if low else None)}–{_number(high.value if high else None)}", None, unit
    if getattr(model, "valueRatio", None) is not None:
        n, d = model.valueRatio.numerator, model.valueRatio.denominator
        return f"{_number(n.value if n else None)}/{_number(d.value if d else None)}", None, None
    for name in ("valueDateTime", "valueTime", "valuePeriod", "valueSampledData"):
        if getattr(model, name, None) is not None:
            return str(getattr(model, name)), None, None
    return None, None, None


def _components(model: Any) -> str | None:  # noqa: ANN401
    parts = []
    for component in getattr(model, "component", None) or []:
        text, _number_value, unit = _value(component)
        if text is None:
            continue
        parts.append(f"{_concept_words(component.code)}: {text}{' ' + unit if unit else ''}")
    return "; ".join(parts) or None


# Mappers ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Mapped:
    concept: tuple[str | None, str | None, str | None]
    status: str | None
    effective: date | None
    value: tuple[str | None, float | None, str | None] = (None, None, None)


def _condition(model: Any, _records: RecordSet) -> _Mapped:  # noqa: ANN401
    status = _coding(model.clinicalStatus)[1] or _coding(model.verificationStatus)[1]
    return _Mapped(_coding(model.code), status, _first_date(model, "onsetDateTime", "onsetPeriod", "onsetString", "recordedDate"))


def medication_codeable(model: Any, records: RecordSet) -> Any:  # noqa: ANN401
    """The CodeableConcept naming a MedicationRequest's or MedicationStatement's drug: inline, or on the
    Medication it references (contained or in the file); None when neither codes it."""
    if model.medicationCodeableConcept is not None:
        return model.medicationCodeableConcept
    reference = model.medicationReference
    target = reference.reference if reference is not None else None
    if target and target.startswith("#"):
        for contained in model.contained or []:
            if getattr(contained, "id", None) == target[1:] and getattr(contained, "code", None) is not None:
                return contained.code
    elif target:
        key = records.index.resolve(target)
        if key in records.lookups:
            medication = validate(records.lookups[key])
            if medication.code is not None:
                return medication.code
    return None


def _medication_concept(model: Any, records: RecordSet) -> tuple[str | None, str | None, str | None]:  # noqa: ANN401
    concept = medication_codeable(model, records)
    if concept is not None:
        return _coding(concept)
    reference = model.medicationReference
    return None, None, reference.display if reference is not None else None


def _medication_request(model: Any, records: RecordSet) -> _Mapped:  # noqa: ANN401
    return _Mapped(_medication_concept(model, records), model.status, _first_date(model, "authoredOn"))


def _medication_statement(model: Any, records: RecordSet) -> _Mapped:  # noqa: ANN401
    return _Mapped(_medication_concept(model, records), model.status,
                   _first_date(model, "effectiveDateTime", "effectivePeriod", "dateAsserted"))


def _procedure(model: Any, _records: RecordSet) -> _Mapped:  # noqa: ANN401
    return _Mapped(_coding(model.code), model.status, _first_date(model, "performedDateTime", "performedPeriod", "performedString"))


def _diagnostic_report(model: Any, _records: RecordSet) -> _Mapped:  # noqa: ANN401
    return _Mapped(_coding(model.code), model.status, _first_date(model, "effectiveDateTime", "effectivePeriod", "issued"),
                   (model.conclusion, None, None))


def _imaging_study(model: Any, _records: RecordSet) -> _Mapped:  # noqa: ANN401
    if model.procedureCode:
        concept = _coding(model.procedureCode[0])
    else:  # no procedure code: say what was imaged, from the first series (modality and body site)
        series = (model.series or [None])[0]
        modality = series.modality if series is not None else ((model.modality or [None])[0])
        site = series.bodySite if series is not None else None
        words = " of ".join(w for w in ((modality.display or modality.code) if modality else None,
                                        (site.display or site.code) if site else None) if w)
        concept = (modality.system, modality.code, words or None) if modality else (None, None, model.description)
    size = None
    if model.numberOfSeries is not None or model.numberOfInstances is not None:
        instances = model.numberOfInstances or 0
        size = f"{model.numberOfSeries or 0} series, {instances} instance{'' if instances == 1 else 's'}"
    started = _first_date(model, "started") or _first_date((model.series or [None])[0], "started")
    return _Mapped(concept, model.status, started, (size, None, None))


def _observation(model: Any, _records: RecordSet) -> _Mapped:  # noqa: ANN401
    value = _value(model)
    if value[0] is None:
        value = (_components(model), None, None)
    return _Mapped(_coding(model.code), model.status,
                   _first_date(model, "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued"), value)


MAPPERS: dict[str, Callable[[Any, RecordSet], _Mapped]] = {
    "Condition": _condition,
    "MedicationRequest": _medication_request,
    "MedicationStatement": _medication_statement,
    "Procedure": _procedure,
    "DiagnosticReport": _diagnostic_report,
    "ImagingStudy": _imaging_study,
    "Observation": _observation,
}


def to_fact(raw: RawResource, records: RecordSet, patient_ref: str | None) -> ClinicalFact:
    """Validate one clinical resource against its R4B model and map it to a fact."""
    model = validate(raw)
    mapped = MAPPERS[raw.resource_type](model, records)
    system, code, display = mapped.concept
    value, number, unit = mapped.value
    meta = model.meta
    return ClinicalFact(
        resource_type=raw.resource_type,
        fhir_id=raw.fhir_id,
        category=CATEGORY_OF[raw.resource_type],
        code_system=system,
        code=code,
        display=display,
        status=mapped.status,
        effective_date=mapped.effective,
        value=value,
        value_number=number,
        unit=unit,
        patient_ref=patient_ref,
        full_url=raw.full_url or raw.key,
        meta_source=meta.source if meta is not None else None,
        location=raw.location,
    )


def group_by_patient(records: RecordSet) -> dict[str | None, list[RawResource]]:
    """Clinical resources by the key of the Patient they are about (None: no Patient in the file)."""
    groups: dict[str | None, list[RawResource]] = {}
    for raw in records.clinical:
        groups.setdefault(records.subject_key(raw), []).append(raw)
    return groups


def extract_facts(records: RecordSet, patient_keys: Collection[str], progress: Progress | None = None) -> Extracted:
    """Facts for the matched patients' resources; everyone else's are counted, not read further."""
    groups = group_by_patient(records)
    result = Extracted(other_patients=len([k for k in records.patients if k not in patient_keys]))
    chosen: list[tuple[RawResource, str | None]] = []
    for key, resources in groups.items():
        if key is None:
            result.unattached += len(resources)
        elif key in patient_keys:
            patient_raw = records.patients[key][0]
            chosen.extend((raw, patient_raw.fhir_id or key) for raw in resources)
        else:
            result.other_patient_resources += len(resources)
    total = len(chosen)
    step = max(1, total // 100)
    for done, (raw, patient_ref) in enumerate(chosen, start=1):
        result.facts.append(to_fact(raw, records, patient_ref))
        if progress and (done % step == 0 or done == total):
            progress("file", done, total)
    return result


def iter_categories(facts: Iterable[ClinicalFact]) -> dict[str, list[ClinicalFact]]:
    grouped: dict[str, list[ClinicalFact]] = {c: [] for c in CATEGORIES}
    for fact in facts:
        grouped[fact.category].append(fact)
    return grouped
