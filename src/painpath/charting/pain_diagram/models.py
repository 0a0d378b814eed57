"""A pain diagram per visit note, and its marked regions (one row each, so a region's history is one query).

Marks are coded (a region id of the body_regions pack, whose side is in the code), never free text, so two
visits compare region by region and a payer packet prints each with its dermatome.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin


class PainDiagram(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    """The diagram of one visit note (one per note); edited while the note is unsigned, version-checked."""

    __tablename__ = "pain_diagram"
    __table_args__ = (Index("ix_pain_diagram_episode_date", "episode_id", "date_of_service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id", ondelete="CASCADE"), unique=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    date_of_service: Mapped[date] = mapped_column()  # the note's, copied so the episode's diagrams need no join
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column()


class PainMarkRow(Base, ClinicScopedMixin):
    """One marked region of a diagram."""

    __tablename__ = "pain_diagram_mark"
    __table_args__ = (UniqueConstraint("diagram_id", "region", name="uq_pain_diagram_mark_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    diagram_id: Mapped[int] = mapped_column(ForeignKey("pain_diagram.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(40))  # a body_regions pack id
    pain_type: Mapped[str] = mapped_column(String(20))  # a rules.PAIN_TYPES key
    intensity: Mapped[int] = mapped_column(Integer)  # 0-10
