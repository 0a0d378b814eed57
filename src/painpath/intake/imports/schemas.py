"""Output shapes for imports and imported facts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from painpath.core.validation import UtcDateTime
from painpath.intake.imports.models import ImportedFact, RecordImport


class Provenance(BaseModel):
    import_id: int
    full_url: str | None
    meta_source: str | None
    location: str | None


class ImportedFactOut(BaseModel):
    id: int
    category: str
    resource_type: str
    fhir_id: str | None
    code_system: str | None
    code: str | None
    display: str | None
    status: str | None
    effective_date: date | None
    value: str | None
    value_number: float | None
    unit: str | None
    provenance: Provenance

    @classmethod
    def of(cls, row: ImportedFact) -> "ImportedFactOut":
        return cls(
            id=row.id, category=row.category, resource_type=row.resource_type, fhir_id=row.fhir_id,
            code_system=row.code_system, code=row.code, display=row.display, status=row.status,
            effective_date=row.effective_date, value=row.value, value_number=row.value_number, unit=row.unit,
            provenance=Provenance(import_id=row.import_id, full_url=row.full_url, meta_source=row.meta_source, location=row.source_location),
        )


class RecordImportOut(BaseModel):
    id: int
    episode_id: int
    source_filename: str
    sha256: str
    format: str
    bundle_type: str | None
    imported_by: str
    imported_at: UtcDateTime
    resources_read: int
    counts: dict[str, int]
    skipped: dict

    @classmethod
    def of(cls, row: RecordImport) -> "RecordImportOut":
        return cls(
            id=row.id, episode_id=row.episode_id, source_filename=row.source_filename, sha256=row.sha256, format=row.format,
            bundle_type=row.bundle_type, imported_by=row.imported_by, imported_at=row.imported_at,
            resources_read=row.resources_read, counts=dict(row.counts), skipped=dict(row.skipped),
        )
