"""Tasks: the stored side of obligations, with who claimed them and what was said; and when each episode's
obligations next need a look (episode_review)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from painpath.core.db import Base, JSONType, VersionedMixin
from painpath.core.tenancy import ClinicScopedMixin

_OPEN = text("status = 'open'")
_CLOSED = text("closed_at IS NOT NULL")


class Task(Base, ClinicScopedMixin, VersionedMixin):
    __tablename__ = "task"
    __table_args__ = (
        # One open task per obligation key, even with two reconcilers racing.
        Index("uq_task_open_key", "key", unique=True, postgresql_where=_OPEN, sqlite_where=_OPEN),
        # The worklist and the sweeper read open tasks by due time.
        Index("ix_task_open_role_due", "clinic_id", "owner_role", "due_at", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_task_open_assignee_due", "assignee_id", "due_at", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_task_open_due", "due_at", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_task_episode", "episode_id", "key"),
        # "Closed today" on the worklist header; without it that count reads the clinic's whole history.
        Index("ix_task_closed_at", "clinic_id", "closed_at", postgresql_where=_CLOSED, sqlite_where=_CLOSED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSONType, default=dict)
    owner_role: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="open")
    opened_at: Mapped[datetime] = mapped_column()
    # Set once, by whichever sweeper gets there first (compare-and-set), when the task passes due.
    overdue_flagged_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)


class TaskComment(Base, ClinicScopedMixin):
    __tablename__ = "task_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column()
    body: Mapped[str] = mapped_column(Text)


class EpisodeReview(Base):
    """When the reconciler must look at an episode again: the earliest instant its obligations change with the
    clock alone (worklist/review_state.py), or now when facts changed outside a request.

    A table of its own, not a column on episode: episode's `version` guards staff edit forms, and a
    reconciler bumping it every few minutes would make their saves fail as "changed by someone else".
    `version` here is the review pass's compare-and-set: a claim succeeds only on the version it read."""

    __tablename__ = "episode_review"

    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    # NULL: nothing but a new fact changes this episode's obligations.
    next_review_at: Mapped[datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    reviewed_at: Mapped[datetime | None] = mapped_column()
