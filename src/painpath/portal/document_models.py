"""Documents the clinic shares with the patient on the portal: a pointer, not a copy.

A row says "the patient may download this episode's plan (or this taper's schedule)". The file itself is
rendered fresh from the current plan or taper at download time, so a shared plan never goes stale; staff
withdraw a share (the row stays: who shared, when, when withdrawn). Every share and withdrawal is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, TimestampMixin, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

# plan: the episode's plan for the patient (reference: the care plan's id); taper: a taper's printable schedule
# (reference: the taper plan's id).
SHARED_KINDS = ("plan", "taper")


class PortalSharedDocument(Base, ClinicScopedMixin, TimestampMixin, VersionedMixin):
    __tablename__ = "portal_shared_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[int] = mapped_column(Integer)
    shared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    shared_at: Mapped[datetime] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
