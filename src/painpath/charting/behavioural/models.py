"""Behavioural-health offers: what was offered to the patient after a score crossed its threshold, and the answer.

One row per offer. The score that prompted it is named by its administration id and date (copied, so the
episode's offers need no join); the offer id is one of the behavioural-health pack's offers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

ANSWERS = ("accepted", "declined", "undecided")


class BehaviouralOfferRow(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "behavioural_offer"
    __table_args__ = (Index("ix_behavioural_offer_episode_score", "episode_id", "instrument_id", "score_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(60))
    # The administration whose score prompted the offer. No foreign key: administrations are another slice's.
    administration_id: Mapped[int | None] = mapped_column(Integer)
    score_on: Mapped[date] = mapped_column()
    score_total: Mapped[float] = mapped_column(Float)  # the score compared with the threshold (a subscale for STarT Back)
    offer: Mapped[str] = mapped_column(String(60))  # a behavioural-health pack offer id
    offered_on: Mapped[date] = mapped_column()
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answer: Mapped[str] = mapped_column(String(12))  # accepted | declined | undecided
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column()
