"""PT courses, their visit authorizations, progress reports and (Medicare) plan-of-care certifications.

PT visits themselves are charting encounters of type "pt_visit" on the episode: visits used are
counted from them, never typed here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.clock import utcnow
from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PtCourse(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A course of physical therapy on an episode, from a protocol pack, with the therapist who gives it."""

    __tablename__ = "pt_course"
    __table_args__ = (Index("ix_pt_course_therapist", "therapist_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    protocol_id: Mapped[str] = mapped_column(String(80))  # a knowledge.pt_protocols id
    therapist_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))  # a user with role therapist
    practice_name: Mapped[str] = mapped_column(String(200))
    practice_kind: Mapped[str] = mapped_column(String(10))  # onsite | partner
    practice_fax: Mapped[str | None] = mapped_column(String(40))  # where the prescription is faxed
    frequency_per_week: Mapped[int] = mapped_column(Integer)
    duration_weeks: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column()
    goals: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | completed | cancelled
    # How the course ended (therapy/course_end.py): the day, why, and who recorded it.
    ended_on: Mapped[date | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Traditional Medicare rules (progress report every 10 treatment days, recertification every 90 days),
    # taken from the primary coverage's plan type when the course was created.
    medicare_rules: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    prescription_sent_at: Mapped[datetime | None] = mapped_column()
    prescription_sent_to: Mapped[str | None] = mapped_column(String(200))


class PtAuthorization(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """Visits a payer approved for a course, in a date window, and the extension asked for after it."""

    __tablename__ = "pt_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("pt_course.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    visits_approved: Mapped[int] = mapped_column(Integer)
    window_from: Mapped[date] = mapped_column()
    window_to: Mapped[date] = mapped_column()
    authorization_number: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    extension_requested_at: Mapped[datetime | None] = mapped_column()
    extension_answered_at: Mapped[datetime | None] = mapped_column()
    extension_outcome: Mapped[str | None] = mapped_column(String(12))  # approved | denied | partial
    # The request cites the progress report that supports it; without one, the reason there is none.
    extension_progress_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("pt_progress_report.id", ondelete="SET NULL", name="fk_pt_authorization_extension_report"))  # convention's name: > 63 chars
    extension_reason: Mapped[str | None] = mapped_column(Text)


class ProgressReport(Base, ClinicScopedMixin):
    """The therapist's progress report on a course (what payers and Medicare ask for)."""

    __tablename__ = "pt_progress_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("pt_course.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    written_on: Mapped[date] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    summary: Mapped[str] = mapped_column(Text)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanOfCareCertification(Base, ClinicScopedMixin):
    """A physician's or NPP's signature on the PT plan of care (Medicare: certify, then recertify)."""

    __tablename__ = "pt_plan_certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("pt_course.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    certified_on: Mapped[date] = mapped_column()
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PtProtocolChange(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """A course switched to another protocol (a pivot: lumbar to hip work). The course, its therapist and its
    visit authorization carry on, since a payer authorizes PT visits, not a protocol; the prescription
    names the new protocol and goes to the practice again."""

    __tablename__ = "pt_protocol_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("pt_course.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    from_protocol_id: Mapped[str] = mapped_column(String(80))
    to_protocol_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    changed_on: Mapped[date] = mapped_column()
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
