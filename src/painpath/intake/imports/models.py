"""Electronic records received for an episode: one row per import, one row per fact filed from it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.clock import utcnow
from painpath.core.db import Base, JSONType
from painpath.core.tenancy import ClinicScopedMixin


class RecordImport(Base, ClinicScopedMixin):
    """A file (or a Bulk Data export's set of files) filed onto an episode. Append-only.

    The same content (sha256) is filed once per episode: a repeat says so and changes nothing.
    """

    __tablename__ = "record_import"
    __table_args__ = (UniqueConstraint("episode_id", "sha256", name="uq_record_import_episode_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    source_filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))  # bundle | ndjson | bundle+ndjson
    bundle_type: Mapped[str | None] = mapped_column(String(20))
    imported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    imported_by: Mapped[str] = mapped_column(String(120))  # the actor's label: a username or "system:cli"
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    resources_read: Mapped[int] = mapped_column(Integer, default=0)
    # Facts filed per category: {"condition": 12, "medication": 9, ...}.
    counts: Mapped[dict] = mapped_column(JSONType, default=dict)
    # What was read but not filed: other patients' resources, unsupported types, files that were not FHIR.
    skipped: Mapped[dict] = mapped_column(JSONType, default=dict)


class ImportedFact(Base, ClinicScopedMixin):
    """One clinical resource of the chart's patient, as a fact, with where it came from."""

    __tablename__ = "imported_fact"
    __table_args__ = (Index("ix_imported_fact_episode_category", "episode_id", "category", "effective_date"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("record_import.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    resource_type: Mapped[str] = mapped_column(String(40))
    fhir_id: Mapped[str | None] = mapped_column(String(64))
    code_system: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(100))
    display: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    effective_date: Mapped[date | None] = mapped_column()
    value: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(60))
    # Provenance: the import (import_id), the resource's fullUrl (or Type/id), its meta.source, and where in
    # the file it was ("entry[12]", "Condition.000.ndjson line 57").
    full_url: Mapped[str | None] = mapped_column(Text)
    meta_source: Mapped[str | None] = mapped_column(Text)
    source_location: Mapped[str | None] = mapped_column(String(300))
