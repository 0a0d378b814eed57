"""The forms queue: each form request received (an employer's FMLA certification, an insurer's disability
form), with its requester, the day it came, its deadlines, its owner and a date or time per state. The
filled PDF is regenerated from the chart on demand; `drafted_values` keeps what the draft said, so the
clinician signs what they reviewed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class FormRequest(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "form_request"
    # The clinic-wide queue reads open requests by state.
    __table_args__ = (Index("ix_form_request_state", "clinic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    form_id: Mapped[str] = mapped_column(String(60))  # id in the form definitions pack
    requester_kind: Mapped[str] = mapped_column(String(20))  # employer | insurer
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_contact: Mapped[str | None] = mapped_column(String(200))  # fax or address to send it to
    received_on: Mapped[date] = mapped_column()
    employee_receipt_on: Mapped[date | None] = mapped_column()  # when the employee got the employer's request
    deadline_on: Mapped[date | None] = mapped_column()  # the form's own rule (WH-380-E: 15 calendar days)
    target_on: Mapped[date] = mapped_column()  # the clinic's turnaround target
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)  # the coordinator
    # What the clinician estimates and the coordinator records for the draft (not in the chart elsewhere).
    flare_times: Mapped[int | None] = mapped_column(Integer)
    flare_per: Mapped[str | None] = mapped_column(String(10))  # week | month
    flare_duration: Mapped[int | None] = mapped_column(Integer)
    flare_unit: Mapped[str | None] = mapped_column(String(10))  # hours | days
    incapacity: Mapped[str | None] = mapped_column(Text)
    expected_duration: Mapped[str | None] = mapped_column(Text)
    expected_return_on: Mapped[date | None] = mapped_column()
    # received | drafted | signed | sent | closed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="received")
    drafted_at: Mapped[datetime | None] = mapped_column()
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    drafted_values: Mapped[dict] = mapped_column(JSONType, default=dict)  # pdf field -> value, as drafted
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    sent_at: Mapped[datetime | None] = mapped_column()
    transport: Mapped[str | None] = mapped_column(String(10))  # print | fax
    # How the sending went (durable `sending` before the form leaves, as referrals do): none | sending | sent | failed.
    transmission: Mapped[str] = mapped_column(String(10), default="none")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_to: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    state_since: Mapped[datetime] = mapped_column()

    @property
    def reference(self) -> str:
        return f"FORM-{self.id:06d}"
