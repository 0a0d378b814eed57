"""Electronic records filed onto an episode: read (interop.fhir), match the chart's patient, file the facts.

One import is one transaction: the RecordImport row, its facts and the audit row commit together, and a
file that is refused leaves the chart exactly as it was. The same content (sha256) is filed once per
episode; sending it again says so and files nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from painpath.core import audit, audit_access
from painpath.core.audit import Actor
from painpath.core.clock import iso_utc, utcnow
from painpath.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from painpath.interop import fhir
from painpath.interop.fhir.medication_orders import medication_orders
from painpath.interop.fhir.sources import SourceInput
from painpath.intake.imports.models import ImportedFact, RecordImport
from painpath.intake.imports.responses import FiledResponses, file_responses
from painpath.intake.imports.skipped import medications_phrase, skipped_phrase, skipped_resources
from painpath.medications.other import service as other_medications
from painpath.patients.models import Episode, Patient

Progress = Callable[[str, int, int], None]


class RecordsRefused(InvalidInput):
    """A file that cannot be filed; the message says why and what to do. It may name the patient: it is
    shown to the staff member who sent the file and is never logged."""

    def __init__(self, error: fhir.FhirImportError):
        self.error = error
        rule = error.kind
        super().__init__(FieldProblem("file", rule, error.message))


@dataclass
class ImportSummary:
    import_id: int
    episode_id: int
    filename: str
    sha256: str
    format: str
    already_imported: bool
    imported_at: datetime
    resources_read: int
    counts: dict[str, int]
    skipped: dict = field(default_factory=dict)

    @property
    def filed(self) -> int:
        return sum(self.counts.values())

    @property
    def message(self) -> str:
        if self.already_imported:
            return (f"{self.filename} was already imported onto this episode ({self.imported_at:%Y-%m-%d %H:%M} UTC); "
                    "nothing was filed twice.")
        text = f"Filed from {self.filename}: {fhir.count_phrase(self.counts)}"
        answered = self.counts.get("questionnaire_responses", 0)
        if answered:
            text += f", {answered} questionnaire response{'s' if answered != 1 else ''} scored"
        text += "."
        others = self.skipped.get("other_patients", 0)
        if others:
            text += (f" {self.skipped.get('other_patient_resources', 0)} resources of {others} other "
                     f"patient{'s' if others != 1 else ''} in the file were not filed.")
        text += skipped_phrase(self.skipped.get("resources", []), self.skipped.get("warnings", []))
        text += medications_phrase(self.skipped.get("medications"))
        return text

    def as_dict(self) -> dict:
        return {
            "import_id": self.import_id, "episode_id": self.episode_id, "filename": self.filename,
            "sha256": self.sha256, "format": self.format, "already_imported": self.already_imported,
            "imported_at": iso_utc(self.imported_at), "resources_read": self.resources_read,
            "filed": self.filed, "counts": self.counts, "skipped": self.skipped, "message": self.message,
        }


def _summary(row: RecordImport, *, already_imported: bool) -> ImportSummary:
    return ImportSummary(
        import_id=row.id, episode_id=row.episode_id, filename=row.source_filename, sha256=row.sha256, format=row.format,
        already_imported=already_imported, imported_at=row.imported_at, resources_read=row.resources_read,
        counts=dict(row.counts), skipped=dict(row.skipped),
    )


def _chart(session: Session, actor: Actor, episode_id: int) -> tuple[Episode, Patient]:
    episode = session.get(Episode, episode_id)
    if episode is None or episode.clinic_id != actor.clinic_id:
        raise NotFound("episode", episode_id)
    patient = session.get(Patient, episode.patient_id)
    assert patient is not None  # episode.patient_id is a foreign key
    return episode, patient


def _cut(text: str | None, length: int) -> str | None:
    return text if text is None or len(text) <= length else text[:length]


def _fact_row(fact: fhir.ClinicalFact, row: RecordImport) -> dict:
    return {
        "clinic_id": row.clinic_id, "import_id": row.id, "episode_id": row.episode_id, "patient_id": row.patient_id,
        "category": fact.category, "resource_type": fact.resource_type, "fhir_id": _cut(fact.fhir_id, 64),
        "code_system": _cut(fact.code_system, 255), "code": _cut(fact.code, 100), "display": fact.display,
        "status": _cut(fact.status, 40), "effective_date": fact.effective_date, "value": fact.value,
        "value_number": fact.value_number, "unit": _cut(fact.unit, 60), "full_url": fact.full_url,
        "meta_source": fact.meta_source, "source_location": _cut(fact.location, 300),
    }


def import_records(
    session: Session,
    *,
    actor: Actor,
    episode_id: int,
    path_or_bytes: SourceInput,
    filename: str | None = None,
    progress: Progress | None = None,
    knowledge=None,  # noqa: ANN001
    calendar=None,  # noqa: ANN001
) -> ImportSummary:
    """File a FHIR Bundle or Bulk Data NDJSON (a file, a folder, several files, or bytes) onto an episode.

    Refuses the whole file (RecordsRefused, nothing written) when it cannot be read, is not FHIR, has an
    invalid resource, has no Patient, or is for someone other than the episode's patient.
    """
    episode, patient = _chart(session, actor, episode_id)
    try:
        sources, label = fhir.load_sources(path_or_bytes, filename)
    except fhir.FhirImportError as exc:
        raise RecordsRefused(exc) from exc
    digest = fhir.sources_sha256(sources)
    existing = session.scalar(select(RecordImport).where(RecordImport.episode_id == episode.id, RecordImport.sha256 == digest))
    if existing is not None:
        return _summary(existing, already_imported=True)

    chart = fhir.ChartPatient(family_name=patient.family_name, given_name=patient.given_name, birth_date=patient.birth_date, mrn=patient.mrn)
    try:
        records = fhir.read_records(sources, progress)
        if records.answers_only:
            # A questionnaire response uploaded on the episode: the person who chose the episode named
            # the patient, so no Patient resource is needed (its subject, if any, points elsewhere).
            match = fhir.PatientMatch(matched=(), others=())
        else:
            match = fhir.match_patient(chart, {key: model for key, (_raw, model) in records.patients.items()})
        extracted = fhir.extract_facts(records, match.keys, progress)
    except fhir.FhirImportError as exc:
        raise RecordsRefused(exc) from exc

    skipped = {
        "other_patients": extracted.other_patients,
        "other_patient_resources": extracted.other_patient_resources,
        "unattached": extracted.unattached,
        "duplicates": records.duplicates,
        "not_filed": dict(sorted(records.ignored.items())),
        "files_not_fhir": list(records.skipped_sources),
    }
    row = RecordImport(
        clinic_id=episode.clinic_id, episode_id=episode.id, patient_id=patient.id, source_filename=_cut(label, 255),
        sha256=digest, format=records.format, bundle_type=",".join(sorted(records.bundle_types)) or None,
        imported_by_user_id=actor.user_id, imported_by=actor.label, imported_at=utcnow(),
        resources_read=records.total, counts=extracted.counts, skipped=skipped,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same file, imported onto this episode by someone else a moment ago
        raise Conflict(FieldProblem("file", "not_imported_twice", f"{label} was just imported onto this episode by someone else; nothing was filed twice.")) from exc
    answered = _file_questionnaires(session, actor, knowledge, calendar, episode.id, records, match.keys)
    # Every MedicationRequest/MedicationStatement joins the medication list (MME where its code and dose allow).
    medications = other_medications.file_imported(
        session, actor=actor, knowledge=knowledge, episode_id=episode.id, patient_id=patient.id, clinic_id=episode.clinic_id,
        record_import_id=row.id, orders=medication_orders(records, match.keys))
    row.counts = {**extracted.counts, **({"questionnaire_responses": answered.filed} if answered.filed else {})}
    row.skipped = {**skipped, "resources": skipped_resources(records, match.keys, answered.skipped),
                   "warnings": answered.warnings, "medications": medications}
    if extracted.facts:
        # Core executemany on the table: one batched INSERT, not the ORM's per-row-shape groups.
        session.execute(insert(ImportedFact.__table__), [_fact_row(fact, row) for fact in extracted.facts])
    # Counts only: no names, no file name (Synthea and many EHRs name files after the patient).
    audit.record(
        session, actor, "records.import", object_type="record_import", object_id=row.id, patient_id=patient.id,
        detail={
            "episode_id": episode.id, "format": row.format, "sha256": digest, "resources_read": records.total,
            "counts": extracted.counts, "other_patients": extracted.other_patients,
            "other_patient_resources": extracted.other_patient_resources, "unattached": extracted.unattached,
            "files_not_fhir": len(records.skipped_sources),
        },
    )
    return _summary(row, already_imported=False)


def _file_questionnaires(session: Session, actor: Actor, knowledge, calendar, episode_id: int,  # noqa: ANN001
                         records: fhir.RecordSet, patient_keys) -> FiledResponses:  # noqa: ANN001
    if knowledge is None or calendar is None:  # a caller without the instruments: say so per response
        found = records.questionnaire_parts.get("QuestionnaireResponse", [])
        return FiledResponses(skipped=[{"type": "QuestionnaireResponse", "reason": "questionnaires are not read by this import"}
                                       for _ in found])
    return file_responses(session, actor=actor, knowledge=knowledge, calendar=calendar, episode_id=episode_id,
                          records=records, patient_keys=patient_keys, on_this_episode=records.answers_only)



# Reading ---------------------------------------------------------------------------------------

@dataclass
class ImportedChart:
    patient: Patient
    episode: Episode
    imports: list[RecordImport]
    facts: list[ImportedFact]
    total: int  # facts matching the category, before limit/offset


def read_imported(
    session: Session, *, actor: Actor, episode_id: int, category: str | None = None, limit: int | None = None, offset: int = 0,
) -> ImportedChart:
    """The episode's imports and imported facts (optionally one category). Audited as a chart read."""
    if category is not None and category not in fhir.CATEGORIES:
        raise InvalidInput(FieldProblem("category", "one_of", f"Category must be one of: {', '.join(fhir.CATEGORIES)}"))
    episode, patient = _chart(session, actor, episode_id)
    imports = list(session.scalars(
        select(RecordImport).where(RecordImport.episode_id == episode.id).order_by(RecordImport.imported_at.desc(), RecordImport.id.desc())
    ))
    where = [ImportedFact.episode_id == episode.id]
    if category is not None:
        where.append(ImportedFact.category == category)
    total = session.scalar(select(func.count()).select_from(ImportedFact).where(*where)) or 0
    query = (
        select(ImportedFact).where(*where)
        .order_by(ImportedFact.category, ImportedFact.effective_date.desc().nulls_last(), ImportedFact.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    facts = list(session.scalars(query))
    audit_access.note_shown(session, actor, patient_id=patient.id, object_type="episode", object_id=episode.id,
                            view=f"imported_facts:{category}" if category else "imported_facts")
    return ImportedChart(patient=patient, episode=episode, imports=imports, facts=facts, total=total)


def import_message(session: Session, *, episode_id: int, import_id: int) -> str | None:
    """What one import filed and what it did not (by type and reason), for the page after the upload."""
    row = session.get(RecordImport, import_id)
    if row is None or row.episode_id != episode_id:
        return None
    return _summary(row, already_imported=False).message


def imports_for_episode(session: Session, *, episode_id: int) -> list[RecordImport]:
    """The episode's imports, oldest first (the timeline's source; the caller has already opened the chart)."""
    return list(session.scalars(select(RecordImport).where(RecordImport.episode_id == episode_id).order_by(RecordImport.imported_at, RecordImport.id)))
