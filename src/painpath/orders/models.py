"""Imaging studies known for an episode: ordered here or done outside, with or without the report on file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
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
