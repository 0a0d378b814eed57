"""The periodic review pass: reconcile only the episodes whose moment came, in short transactions.

Obligations are a step function of time: between two instants nothing changes. Every reconcile stores,
per episode, the next instant at which its obligations change with the clock alone
(episode_review.next_review_at, see worklist/review_state.py); facts written without a reconcile mark
their episode due now (worklist/touched.py). So the pass reads the due episodes through an index, earliest
first, and leaves the rest of the clinic alone: with nothing due it is one indexed SELECT.

Each chunk is its own transaction:
1. claim: UPDATE episode_review SET version = version + 1, next_review_at = now + lease
   WHERE episode_id IN (...) AND version = <the version read> ... RETURNING episode_id.
   Compare-and-set: two workers that read the same due rows both try, and only one gets each row back
   (on PostgreSQL the second waits for the first's row lock, then finds the version moved on);
2. reconcile the claimed episodes, which stores their new next_review_at;
3. commit.
An exception anywhere in the chunk rolls all three back, so the episodes stay due and the next pass takes
them. The lease only matters if a claim ever outlives its transaction's work (it cannot here); it bounds
the delay either way.

`full_recompute` reconciles every open episode (and any with open tasks) in the same kind of chunks:
`painpath reconcile --full`, for when one wants to be sure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from painpath.core.clock import utcnow
from painpath.patients.models import Episode
from painpath.worklist.engine import OPEN
from painpath.worklist.models import EpisodeReview, Task
from painpath.worklist.reconcile import ReconcileResult
from painpath.worklist import review_state

CHUNK = 200
LEASE = timedelta(minutes=10)

Reconciler = Callable[[Session, list[int], datetime], ReconcileResult]


@dataclass
class ReviewResult:
    reviewed: int = 0  # episodes reconciled by this pass
    chunks: int = 0
    opened: int = 0
    refreshed: int = 0
    met: int = 0
    cancelled: int = 0
    failed: int = 0
    lost_claims: int = 0  # due episodes another worker claimed first
    reviewed_ids: list[int] = field(default_factory=list, repr=False)
    chunk_seconds: list[float] = field(default_factory=list, repr=False)  # each chunk's transaction, for benchmarks

    def add(self, result: ReconcileResult) -> None:
        self.opened += result.opened
        self.refreshed += result.refreshed
        self.met += result.met
        self.cancelled += result.cancelled
        self.failed += result.failed

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in {"reviewed_ids", "chunk_seconds"}}


def review_due(context, *, now: datetime | None = None, chunk: int = CHUNK, lease: timedelta = LEASE,  # noqa: ANN001
               max_chunks: int | None = None) -> ReviewResult:
    """Reconcile every episode whose next_review_at is at or before `now`, chunk by chunk; `context` is the
    AppContext (its database and its reconcile)."""
    now = now or utcnow()
    result = ReviewResult()
    while max_chunks is None or result.chunks < max_chunks:
        started = perf_counter()
        with context.db.session() as session:
            due = session.execute(
                select(EpisodeReview.episode_id, EpisodeReview.version)
                .where(EpisodeReview.next_review_at <= now)
                .order_by(EpisodeReview.next_review_at, EpisodeReview.episode_id)
                .limit(chunk)
            ).all()
            claimed = _claim(session, due, now + lease) if due else []
            if claimed:
                result.add(context.reconcile(session, claimed, now=now))
        if not due:
            return result
        result.chunk_seconds.append(perf_counter() - started)
        result.lost_claims += len(due) - len(claimed)
        result.reviewed += len(claimed)
        result.reviewed_ids += claimed
        result.chunks += 1
    return result


def _claim(session: Session, due: list, lease_until: datetime) -> list[int]:  # noqa: ANN001
    """Compare-and-set on each row's version; the episodes this worker now holds, in id order."""
    by_version: dict[int, list[int]] = {}
    for episode_id, version in due:
        by_version.setdefault(version, []).append(episode_id)
    claimed: list[int] = []
    for version, ids in by_version.items():
        claimed += session.scalars(
            update(EpisodeReview)
            .where(EpisodeReview.episode_id.in_(ids), EpisodeReview.version == version)
            .values(version=EpisodeReview.version + 1, next_review_at=lease_until)
            .returning(EpisodeReview.episode_id)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(claimed)


def full_recompute(context, *, now: datetime | None = None, chunk: int = CHUNK,  # noqa: ANN001
                   progress: Callable[[int, int], object] | None = None) -> ReviewResult:
    """Reconcile every open episode, and every episode with open tasks, in chunks of short transactions;
    `progress(done, total)` after each chunk."""
    now = now or utcnow()
    with context.db.session() as session:
        has_open_tasks = select(Task.episode_id).where(Task.status == OPEN)
        ids = list(session.scalars(
            select(Episode.id).where(or_(Episode.status == "open", Episode.id.in_(has_open_tasks))).order_by(Episode.id)
        ))
    result = ReviewResult()
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        started = perf_counter()
        with context.db.session() as session:
            result.add(context.reconcile(session, part, now=now))
        result.chunk_seconds.append(perf_counter() - started)
        result.reviewed += len(part)
        result.reviewed_ids += part
        result.chunks += 1
        if progress is not None:
            progress(result.reviewed, len(ids))
    return result


def mark_all_at_start_up(context, *, now: datetime | None = None) -> int:  # noqa: ANN001
    """Start-up (new code, new knowledge packs) makes every open episode due: the next passes review them all."""
    with context.db.session() as session:
        return review_state.mark_all_for_review(session, now or utcnow())
