"""Imaging studies known for an episode (ordered here or done outside, with or without the report on file),
and imaging orders placed here with their loop."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class ImagingStudy(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "imaging_study"
    __table_args__ = (Index("ix_imaging_study_episode_date", "episode_id", "performed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    modality: Mapped[str] = mapped_column(String(20))  # mri | ct | xray | emg_ncs | ultrasound | mri_arthrogram | other
    region: Mapped[str] = mapped_column(String(20))  # a Region of facts.vocabulary
    study: Mapped[str] = mapped_column(String(200))  # "MRI lumbar spine without contrast"
    origin: Mapped[str] = mapped_column(String(10))  # clinic (ordered here) | outside
    performed_on: Mapped[date] = mapped_column()
    report_on_file: Mapped[bool] = mapped_column(Boolean)
    # The records request the report came back on, when it came that way (intake.records).
    records_request_id: Mapped[int | None] = mapped_column(ForeignKey("records_request.id", ondelete="SET NULL"))
    concordant: Mapped[str] = mapped_column(String(8))  # yes | no | unknown: does the report support the working diagnosis
    summary: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class ImagingOrder(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """An imaging study ordered here and its loop: drafted (placed by the clinician), sent to the centre,
    booked, done, reported (the report is an ImagingStudy row), reviewed by a clinician; or cancelled.

    Sending is durable like a records request's (intake/records/sending.py): `send_state` is `sending`
    (committed) before the fax leaves, then `sent` or `failed` with the reason and the next retry."""

    __tablename__ = "imaging_order"
    __table_args__ = (
        # A standing urgent slot is booked once: the column is set only for standing slots (NULLs never clash).
        UniqueConstraint("clinic_id", "centre_id", "standing_slot_at", name="uq_imaging_order_standing_slot"),
        Index("ix_imaging_order_clinic_status", "clinic_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    modality: Mapped[str] = mapped_column(String(20))  # a Modality of facts.vocabulary
    protocol: Mapped[str] = mapped_column(String(300))  # "MR arthrogram of the hip with intra-articular gadolinium"
    contrast: Mapped[str] = mapped_column(String(20))  # none | with | with_and_without
    region: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(10))
    clinical_question: Mapped[str] = mapped_column(Text)
    relevant_history: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10))  # routine | urgent
    status: Mapped[str] = mapped_column(String(12))  # an OrderStatus of facts.vocabulary
    plan_step_row_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_step.id", ondelete="SET NULL"))
    centre_id: Mapped[str | None] = mapped_column(String(60))  # an imaging_centres pack id
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ordered_at: Mapped[datetime] = mapped_column()
    # Sending (the fax with the requisition): none | sending | sent | failed
    send_state: Mapped[str] = mapped_column(String(10), default="none")
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_to: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column()
    booked_for: Mapped[datetime | None] = mapped_column()  # the slot, naive UTC
    booked_minutes: Mapped[int | None] = mapped_column(Integer)
    standing_slot_at: Mapped[datetime | None] = mapped_column()  # = booked_for when a standing slot was booked
    booked_at: Mapped[datetime | None] = mapped_column()
    performed_on: Mapped[date | None] = mapped_column()
    study_id: Mapped[int | None] = mapped_column(ForeignKey("imaging_study.id", ondelete="SET NULL"))
    report_received_at: Mapped[datetime | None] = mapped_column()
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    concordant: Mapped[str] = mapped_column(String(8), default="unknown")  # yes | no | unknown
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime] = mapped_column()  # when it entered its current status
