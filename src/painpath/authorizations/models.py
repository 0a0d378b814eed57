"""Authorization cases, their history and the documents attached to their kits.

The criteria results and the checklist are never stored: they are computed from the episode's facts,
the policy pack and today's date each time, so a fact recorded anywhere fills the kit at once. What is
stored is what only people and payers decide: the request, submissions, payer answers, dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class AuthorizationCase(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "authorization_case"
    __table_args__ = (
        Index("ix_authorization_case_episode", "episode_id"),
        Index("ix_authorization_case_clinic_state", "clinic_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(30))

    # What is asked for (the planned procedure).
    procedure_id: Mapped[str] = mapped_column(String(60))
    cpt_codes: Mapped[list] = mapped_column(JSONType)
    region: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(12), default="none")
    levels: Mapped[list] = mapped_column(JSONType, default=list)
    place_of_service: Mapped[str] = mapped_column(String(4))
    units_requested: Mapped[int] = mapped_column(Integer, default=1)
    planned_on: Mapped[date | None] = mapped_column()  # the booked (or hoped-for) procedure date
    priority: Mapped[str] = mapped_column(String(12), default="standard")  # standard | expedited

    # Who decides, under which policy (resolved when the case opens; kept when the pack changes later).
    payer_id: Mapped[str] = mapped_column(String(60))
    policy_id: Mapped[str | None] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column()
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    # Submission.
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submission_channel: Mapped[str | None] = mapped_column(String(20))  # fax | portal | pas | phone
    submission_reference: Mapped[str | None] = mapped_column(String(120))
    # The eligibility date the engine gave when the case was submitted: the clinic's key measure is
    # days from eligibility to submission (0 when the kit was ready in time).
    eligible_on_at_submission: Mapped[date | None] = mapped_column()

    # When the payer's clock restarted: the information asked for in a pend was sent (None: it runs
    # from the submission). Kept apart so submission time and its measures stay true.
    clock_restarted_at: Mapped[datetime | None] = mapped_column()

    # The payer's answers.
    pend_request: Mapped[str | None] = mapped_column(Text)
    pend_due_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    authorization_number: Mapped[str | None] = mapped_column(String(80))
    approved_units: Mapped[int | None] = mapped_column(Integer)
    approved_codes: Mapped[list | None] = mapped_column(JSONType)
    approved_from: Mapped[date | None] = mapped_column()
    approved_to: Mapped[date | None] = mapped_column()
    denial_reason: Mapped[str | None] = mapped_column(Text)
    denial_code: Mapped[str | None] = mapped_column(String(40))
    peer_to_peer_at: Mapped[datetime | None] = mapped_column()
    appealed_at: Mapped[datetime | None] = mapped_column()
    closed_reason: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base, ClinicScopedMixin):
    """The case's history as staff read it; the audit log keeps the same facts for compliance."""

    __tablename__ = "authorization_case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("authorization_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSONType)


class CaseDocument(Base, ClinicScopedMixin):
    """A document placed in the kit: a psychological evaluation, a cotinine result, PT notes, the packet sent."""

    __tablename__ = "authorization_case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("authorization_case.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    document_date: Mapped[date] = mapped_column()
    value: Mapped[float | None] = mapped_column(Float)
    result: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class PayerPolicyDraft(Base, ClinicScopedMixin, TimestampMixin):
    """A clinic's draft of a payer policy (a policy pack's YAML, as uploaded): previewed on the payer policy
    changes page against the open cases, never used for a decision. Only a draft the knowledge loader accepted
    is stored; the packs are read again each time it is shown, so a draft the packs have since outgrown says why."""

    __tablename__ = "payer_policy_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the file's name as uploaded
    content: Mapped[str] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
