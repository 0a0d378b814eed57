"""Cost estimates: the plan's benefits as facts (one current row per coverage, version-checked, every change
audited with its values) and each estimate given to a patient (a dated fact with its inputs and results as
they were, so the dashboard can count estimates given). Money is stored in whole cents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

VERIFIED_HOW = ("phone", "portal", "eligibility_response")


class CoverageBenefits(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "coverage_benefits"
    __table_args__ = (UniqueConstraint("coverage_id", name="uq_coverage_benefits_coverage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverage.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    deductible_cents: Mapped[int | None] = mapped_column(Integer)
    deductible_met_cents: Mapped[int | None] = mapped_column(Integer)
    coinsurance_hundredths: Mapped[int | None] = mapped_column(Integer)  # percent x 100: 20% is 2000, 12.5% is 1250
    copay_cents: Mapped[int | None] = mapped_column(Integer)  # per visit or procedure, when the plan uses one
    oop_max_cents: Mapped[int | None] = mapped_column(Integer)
    oop_met_cents: Mapped[int | None] = mapped_column(Integer)
    in_network: Mapped[bool] = mapped_column(default=True)
    as_of: Mapped[date] = mapped_column()  # the day the amounts met were read
    verified_how: Mapped[str] = mapped_column(String(24))  # phone | portal | eligibility_response (270/271)
    reference: Mapped[str | None] = mapped_column(String(120))  # call reference, portal screen, 271 trace number
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CostEstimate(Base, ClinicScopedMixin, TimestampMixin):
    __tablename__ = "cost_estimate"
    __table_args__ = (Index("ix_cost_estimate_clinic_given", "clinic_id", "given_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    coverage_id: Mapped[int | None] = mapped_column(ForeignKey("coverage.id", ondelete="SET NULL"))
    procedure_id: Mapped[str | None] = mapped_column(String(60))
    procedure_words: Mapped[str] = mapped_column(Text)
    cpt_codes: Mapped[list] = mapped_column(JSONType, default=list)
    given_on: Mapped[date] = mapped_column()
    given_at: Mapped[datetime] = mapped_column()
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    inputs: Mapped[dict] = mapped_column(JSONType, default=dict)  # benefits as of, fees with year and source
    results: Mapped[dict] = mapped_column(JSONType, default=dict)  # per site share, lower-cost site, alternatives
    lower_cost_site: Mapped[str | None] = mapped_column(String(24))
