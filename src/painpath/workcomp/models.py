"""The workers' compensation claim of an episode, its independent medical evaluations and the progress
reports sent to the carrier."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class WorkCompClaim(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """One claim per episode: who pays (the carrier from the payer directory), who manages it, and the
    injury the treatment must be tied to."""

    __tablename__ = "workcomp_claim"
    __table_args__ = (UniqueConstraint("episode_id", name="uq_workcomp_claim_episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    claim_number: Mapped[str] = mapped_column(String(60))
    injury_date: Mapped[date] = mapped_column()
    mechanism: Mapped[str] = mapped_column(Text)  # how the injury happened, in words
    body_parts: Mapped[str] = mapped_column(String(300))
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_contact: Mapped[str | None] = mapped_column(String(300))
    carrier_payer_id: Mapped[str] = mapped_column(String(60))  # a workers_comp payer of the payer directory
    adjuster_name: Mapped[str | None] = mapped_column(String(160))
    adjuster_phone: Mapped[str | None] = mapped_column(String(40))
    adjuster_email: Mapped[str | None] = mapped_column(String(200))
    adjuster_fax: Mapped[str | None] = mapped_column(String(40))
    nurse_case_manager_name: Mapped[str | None] = mapped_column(String(160))
    nurse_case_manager_phone: Mapped[str | None] = mapped_column(String(40))
    nurse_case_manager_email: Mapped[str | None] = mapped_column(String(200))
    nurse_case_manager_fax: Mapped[str | None] = mapped_column(String(40))
    # Until the restrictions slice carries structured restrictions: the work status in one line.
    work_status: Mapped[str | None] = mapped_column(String(20))  # full_duty | modified | off_work
    work_status_note: Mapped[str | None] = mapped_column(Text)
    return_to_work_on: Mapped[date | None] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column()  # the claim was entered here: the first report is due from it


class IndependentExam(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """An independent medical evaluation the carrier arranged: when and by whom, then what it found and
    whether it agrees with our plan; a disagreement is reconciled by a plan pivot or a rebuttal letter."""

    __tablename__ = "workcomp_ime"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("workcomp_claim.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    scheduled_on: Mapped[date] = mapped_column()
    examiner: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str | None] = mapped_column(Text)
    agreement: Mapped[str | None] = mapped_column(String(12))  # agrees | disagrees
    disagreement: Mapped[str | None] = mapped_column(Text)  # with what in the plan
    findings_recorded_at: Mapped[datetime | None] = mapped_column()
    rebuttal_text: Mapped[str | None] = mapped_column(Text)
    rebuttal_at: Mapped[datetime | None] = mapped_column()
    rebuttal_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ProgressReport(Base, ClinicScopedMixin, TimestampMixin):
    """A progress report generated from the chart (the PDF as sent) and when it went to the carrier."""

    __tablename__ = "workcomp_progress_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("workcomp_claim.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    generated_at: Mapped[datetime] = mapped_column()
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    contents: Mapped[dict] = mapped_column(JSONType)  # what the report said, for the panel and the next report
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_to: Mapped[str | None] = mapped_column(String(200))
