"""The periodic review pass: reconcile only the episodes whose moment came, in short transactions.

Obligations are a step function of time: between two instants nothing changes. Every reconcile stores,
per episode, the next instant at which its obligations change with the clock alone
(episode_review.next_review_at, see worklist/review_state.py); facts written without a reconcile mark
their episode due now (worklist/touched.py). So the pass reads the due episodes through an index, earliest
first, and leaves the rest of the clinic alone: with nothing due it is one indexed SELECT.

Each chunk is evaluated first, then written in a short transaction of its own:
1. evaluate: read the chunk's rows (episode id and version) and run every provider over those episodes, in a
   transaction that only reads (it takes no row lock, so it can take as long as the providers need);
2. claim: UPDATE episode_review SET version = version + 1, next_review_at = now + lease
   WHERE episode_id IN (...) AND version = <the version read> ... RETURNING episode_id, clinic_id.
   Compare-and-set: two workers that read the same due rows both try, and only one gets each row back
   (on PostgreSQL the second waits for the first's row lock, then finds the version moved on). A fact written
   after step 1 read moved the version on too (worklist/touched.py marks the episode, or its own reconcile
   records it), so an evaluation that may have missed it is never written;
3. reconcile the claimed episodes with the evaluation (tasks, and their new next_review_at);
4. commit.
Steps 2-4 are one transaction: an exception anywhere in the chunk rolls it back, so the episodes stay due and
the next pass takes them. The lease only matters if a claim ever outlives its transaction's work (it cannot
here); it bounds the delay either way.

`full_recompute` reconciles every open episode (and any with open tasks) in the same kind of chunks:
`painpath reconcile --full`, for when one wants to be sure. There an episode without a row is claimed by
creating it (review_state.claim_new), and an episode whose claim fails (a fact was written meanwhile) is
evaluated again within the write transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from time import perf_counter

from sqlalchemy import bindparam, or_, select, tuple_, update
from sqlalchemy.orm import Session

from painpath.core.clock import utcnow
from painpath.core.db import ids_in, ids_param
from painpath.patients.models import Episode
from painpath.worklist import review_state
from painpath.worklist.engine import OPEN
from painpath.worklist.models import EpisodeReview, Task
from painpath.worklist.reconcile import Evaluation, ReconcileResult

CHUNK = 200
# A full recompute evaluates this many episodes per read-only transaction, then writes them CHUNK at a time:
# the providers' per-query costs are paid once per batch, and the write transactions stay as short.
EVALUATE_BATCH = 1000
LEASE = timedelta(minutes=10)

@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk's write transaction holds its row locks. A full collection
    walks the whole heap (about 0.25-0.4 s at 20,000 episodes on the benchmark machine, once or twice a pass);
    landing inside a write transaction it made that chunk 6-10x longer. The transaction allocates little, so
    the collector simply runs after the commit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    # Each chunk's write transaction (claim, writes, commit), for benchmarks; the evaluation before it reads only.
    chunk_seconds: list[float] = field(default_factory=list, repr=False)

    def add(self, result: ReconcileResult) -> None:
        self.opened += result.opened
        self.refreshed += result.refreshed
        self.met += result.met
        self.cancelled += result.cancelled
        self.failed += result.failed

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in {"reviewed_ids", "chunk_seconds"}}


def review_due(context, *, now: datetime | None = None, chunk: int = CHUNK, lease: timedelta = LEASE,
               max_chunks: int | None = None) -> ReviewResult:
    """Reconcile every episode whose next_review_at is at or before `now`, chunk by chunk; `context` is the
    AppContext (its database and its reconcile)."""
    now = now or utcnow()
    result = ReviewResult()
    while max_chunks is None or result.chunks < max_chunks:
        with context.db.session() as session:  # reads only
            due = session.execute(
                select(EpisodeReview.episode_id, EpisodeReview.version)
                .where(EpisodeReview.next_review_at <= now)
                .order_by(EpisodeReview.next_review_at, EpisodeReview.episode_id)
                .limit(chunk)
            ).all()
            evaluation = context.evaluate(session, sorted(episode_id for episode_id, _ in due), now=now) if due else None
        if not due:
            return result
        started = perf_counter()
        with _collector_paused(), context.db.session() as session:
            clinics = _claim(session, due, now + lease)
            claimed = sorted(clinics)
            if claimed:
                result.add(context.apply(session, evaluation.only(claimed), now=now, clinics=clinics))
        result.chunk_seconds.append(perf_counter() - started)
        result.lost_claims += len(due) - len(claimed)
        result.reviewed += len(claimed)
        result.reviewed_ids += claimed
        result.chunks += 1
    return result


def _claim(session: Session, due: list, lease_until: datetime) -> dict[int, int]:
    """Compare-and-set on each row's version; the episodes this worker now holds, with their clinic. One UPDATE
    for the whole chunk, whatever the mix of versions read."""
    if not due:
        return {}
    statement = _claim_statement(session.get_bind().dialect.name)
    ids = [episode_id for episode_id, _ in due]
    return dict(session.connection().execute(statement, {"ids": ids, "pairs": due, "lease_until": lease_until}).all())


@cache
def _claim_statement(dialect_name: str):  # noqa: ANN202
    """The claim's UPDATE, built once per dialect with its ids, (id, version) pairs and lease bound at execution:
    built anew for every chunk (and for every version within it) it cost more than running it. The id list
    lets the primary key find the rows; the pairs are the compare-and-set."""
    table = EpisodeReview.__table__
    return (
        update(table)
        .where(ids_param(dialect_name, table.c.episode_id, "ids"),
               tuple_(table.c.episode_id, table.c.version).in_(bindparam("pairs", expanding=True)))
        .values(version=table.c.version + 1, next_review_at=bindparam("lease_until"))
        .returning(table.c.episode_id, table.c.clinic_id)
    )


def full_recompute(context, *, now: datetime | None = None, chunk: int = CHUNK,
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
    batch = max(chunk, EVALUATE_BATCH // chunk * chunk)
    for start in range(0, len(ids), batch):
        batch_ids = ids[start : start + batch]
        with context.db.session() as session:  # reads only
            versions = session.execute(
                select(EpisodeReview.episode_id, EpisodeReview.version).where(ids_in(session, EpisodeReview.episode_id, batch_ids))
            ).all()
            evaluation = context.evaluate(session, batch_ids, now=now)
        for offset in range(0, len(batch_ids), chunk):
            part = batch_ids[offset : offset + chunk]
            in_part = set(part)
            _write_chunk(context, result, part, [v for v in versions if v[0] in in_part], evaluation, now)
            if progress is not None:
                progress(result.reviewed, len(ids))
    return result


def _write_chunk(context, result: ReviewResult, part: list[int], rows: list, evaluation: Evaluation,
                 now: datetime) -> None:
    """Claim the chunk's episodes and write what the evaluation found for those claimed, in one short transaction."""
    started = perf_counter()
    with _collector_paused(), context.db.session() as session:
        clinics = _claim(session, rows, now + LEASE)
        with_row = {episode_id for episode_id, _ in rows}
        clinics |= review_state.claim_new(session, [i for i in part if i not in with_row], now + LEASE)
        claimed = sorted(clinics)
        if claimed:
            result.add(context.apply(session, evaluation.only(claimed), now=now, clinics=clinics))
        unclaimed = [episode_id for episode_id in part if episode_id not in clinics]
        if unclaimed:  # facts written since the evaluation: evaluate again, here
            result.add(context.reconcile(session, unclaimed, now=now))
    result.chunk_seconds.append(perf_counter() - started)
    result.reviewed += len(part)
    result.reviewed_ids += part
    result.chunks += 1


def mark_all_at_start_up(context, *, now: datetime | None = None) -> int:
    """Start-up (new code, new knowledge packs) makes every open episode due: the next passes review them all."""
    with context.db.session() as session:
        return review_state.mark_all_for_review(session, now or utcnow())
