"""Prior providers, records requests, the documents that come back, and the stored bytes of both.

Bytes live in the database (`records_file`), not on disk: the file and its row commit or roll back
together with the audit event, one backup holds everything, and any number of stateless web processes
can serve a download. Uploads are capped (20 MB) and the bytes sit in their own table so listing
requests and documents never reads them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.clock import utcnow
from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PriorProvider(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A physician, imaging center, hospital or therapist who saw the patient before us."""

    __tablename__ = "prior_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # physician | imaging_center | hospital | therapy | other
    fax: Mapped[str | None] = mapped_column(String(40))
    direct_address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))


class RecordsFile(Base, ClinicScopedMixin):
    """Stored bytes: a request letter we generated or a document a provider sent back."""

    __tablename__ = "records_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordsRequest(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """One request to one provider for a list of items, and where it stands."""

    __tablename__ = "records_request"
    __table_args__ = (
        # The clinic-wide tracker and the retry job read requests by state.
        Index("ix_records_request_state", "clinic_id", "status", "sent_at"),
        Index("ix_records_request_retry", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("prior_provider.id", ondelete="CASCADE"), index=True)
    # [{"item": "mri_report", "date_from": "2025-12-01" | null, "date_to": "2026-01-05" | null}, ...]
    items: Mapped[list] = mapped_column(JSONType, default=list)
    transport: Mapped[str] = mapped_column(String(10))  # print | fax | direct
    # draft | sending | sent | acknowledged | received | incomplete | failed
    status: Mapped[str] = mapped_column(String(16), default="draft")
    authorization_reference: Mapped[str] = mapped_column(String(200))
    authorization_date: Mapped[date] = mapped_column()
    requesting_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    letter_file_id: Mapped[int | None] = mapped_column(ForeignKey("records_file.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # when the retry job may try again
    failed_at: Mapped[datetime | None] = mapped_column()  # first failure; the fix-it task is due from here
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_to: Mapped[str | None] = mapped_column(String(200))  # gateway address, Direct address or "printer"
    message_id: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column()  # the latest document filed against it
    follow_up_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"at": "2026-01-12T15:00:00", "by": 7, "method": "phone"}, ...], oldest first
    follow_ups: Mapped[list] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    @property
    def reference(self) -> str:
        return f"RR-{self.id:06d}"


class RecordsDocument(Base, ClinicScopedMixin):
    """A document received and filed to the episode, optionally against the request it answers."""

    __tablename__ = "records_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("records_request.id", ondelete="SET NULL"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("records_file.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))  # application/pdf | image/png | image/jpeg
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    items: Mapped[list] = mapped_column(JSONType, default=list)  # requested items it satisfies
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
