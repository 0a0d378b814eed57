"""The episode_review rows: when the reconciler must look at each episode again.

Three writers, one rule each:
- `record`: a reconcile stores, for every episode it evaluated, the earliest instant its obligations change
  with the clock alone (NULL when only a new fact changes them);
- `mark_for_review`: whoever writes facts without reconciling them in the same unit of work (a job, an
  import) makes the episode due now; worklist/touched.py does it for every such commit;
- `mark_all_for_review`: start-up (new code, new knowledge packs) makes every open episode due.

Each write bumps `version`, so a review pass's compare-and-set claim (worklist/review.py) made on an older
version fails. Statements are Core, not ORM: no identity map work, and nothing here is a fact that
worklist/touched.py should follow. The upserts use ON CONFLICT, which SQLite and PostgreSQL both speak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from painpath.core.db import ids_in, ids_param
from painpath.patients.models import Episode
from painpath.worklist.models import EpisodeReview

_CHUNK = 500  # keeps IN (...) lists and executemany batches well under every driver's parameter limit


def _upsert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(EpisodeReview)


def _new_rows(session: Session, episode_ids: list[int], next_review_at: datetime):  # noqa: ANN202
    """INSERT ... FROM SELECT of a first row (version 1) for each of these episodes, with its clinic; the caller
    says what happens to episodes that already have one."""
    source = select(Episode.id, Episode.clinic_id, literal(next_review_at), literal(1)).where(ids_in(session, Episode.id, episode_ids))
    return _upsert(session).from_select(["episode_id", "clinic_id", "next_review_at", "version"], source)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def record(session: Session, next_at: Mapping[int, datetime | None], reviewed_at: datetime,
           clinics: Mapping[int, int] | None = None) -> None:
    """Store each evaluated episode's next review instant (None: no clock dependence), creating rows as needed.
    `clinics` (episode id -> clinic id) comes from a caller that claimed the rows (worklist/review.py), so they
    exist: on PostgreSQL one UPDATE from two arrays then, about half the cost of the upsert below."""
    ids = sorted(next_at)
    if clinics is not None and all(eid in clinics for eid in ids) and session.get_bind().dialect.name == "postgresql":
        _update_claimed(session, ids, next_at, reviewed_at)
        return
    for chunk in _chunks(ids):
        known = clinics if clinics is not None and all(eid in clinics for eid in chunk) else dict(
            session.execute(select(Episode.id, Episode.clinic_id).where(ids_in(session, Episode.id, chunk))).all())
        rows = [
            {"episode_id": eid, "clinic_id": known[eid], "next_review_at": next_at[eid], "version": 1, "reviewed_at": reviewed_at}
            for eid in chunk if eid in known  # an episode deleted meanwhile has nothing to review
        ]
        if not rows:
            continue
        stmt = _upsert(session)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[EpisodeReview.episode_id],
            set_={
                "next_review_at": stmt.excluded.next_review_at,
                "reviewed_at": stmt.excluded.reviewed_at,
                "version": EpisodeReview.version + 1,
            },
        ), rows)


_UPDATE_FROM_ARRAYS = text(
    "UPDATE episode_review SET next_review_at = v.next_review_at, reviewed_at = :reviewed_at, version = episode_review.version + 1 "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:next_review_at AS timestamp[])) AS v(episode_id, next_review_at) "
    "WHERE episode_review.episode_id = v.episode_id"
)


def _update_claimed(session: Session, ids: list[int], next_at: Mapping[int, datetime | None], reviewed_at: datetime) -> None:
    for chunk in _chunks(ids):
        session.execute(_UPDATE_FROM_ARRAYS, {"ids": chunk, "next_review_at": [next_at[eid] for eid in chunk], "reviewed_at": reviewed_at})


def claim_new(session: Session, episode_ids: Iterable[int], lease_until: datetime) -> dict[int, int]:
    """Create the rows of episodes that have none yet, leased until `lease_until`; the episodes whose row this
    created, with their clinic. The compare-and-set of an episode without a row (worklist/review.py): whoever
    wrote a fact for it meanwhile created its row (mark_for_review), so the insert yields and it is not claimed."""
    claimed: dict[int, int] = {}
    for chunk in _chunks(sorted(set(episode_ids))):
        claimed.update(session.execute(
            _new_rows(session, chunk, lease_until)
            .on_conflict_do_nothing(index_elements=[EpisodeReview.episode_id])
            .returning(EpisodeReview.episode_id, EpisodeReview.clinic_id)
        ).all())
    return claimed


def mark_for_review(session: Session, episode_ids: Iterable[int], now: datetime) -> None:
    """These episodes' facts changed and nobody reconciled them: the next review pass takes them."""
    ids = sorted(set(episode_ids))
    if not ids:
        return
    statement = _mark_statement(session.get_bind().dialect.name)
    connection = session.connection()
    for chunk in _chunks(ids):
        connection.execute(statement, {"ids": chunk, "now": now})


@cache
def _mark_statement(dialect_name: str):  # noqa: ANN202
    """`mark_for_review`'s upsert, built once per dialect with the ids and the instant bound at execution: every
    commit that wrote a fact runs it (worklist/touched.py), and building it there each time (the INSERT from a
    SELECT, its conflict clause) cost several times what running it does."""
    table = EpisodeReview.__table__
    episodes = Episode.__table__
    source = (select(episodes.c.id, episodes.c.clinic_id, bindparam("now", type_=table.c.next_review_at.type), literal(1))
              .where(ids_param(dialect_name, episodes.c.id, "ids")))
    insert_ = (postgresql if dialect_name == "postgresql" else sqlite).insert(table)
    statement = insert_.from_select(["episode_id", "clinic_id", "next_review_at", "version"], source)
    return statement.on_conflict_do_update(
        index_elements=[table.c.episode_id],
        set_={"next_review_at": statement.excluded.next_review_at, "version": table.c.version + 1},
    )


def mark_all_for_review(session: Session, now: datetime) -> int:
    """Every open episode is due now (one INSERT for episodes without a row, one UPDATE); returns how many."""
    is_open = Episode.status == "open"
    missing = select(Episode.id, Episode.clinic_id, literal(now), literal(1)).where(
        is_open, ~exists().where(EpisodeReview.episode_id == Episode.id)
    )
    session.execute(insert(EpisodeReview).from_select(["episode_id", "clinic_id", "next_review_at", "version"], missing))
    marked = session.execute(
        update(EpisodeReview)
        .where(EpisodeReview.episode_id.in_(select(Episode.id).where(is_open)))
        .values(next_review_at=now, version=EpisodeReview.version + 1)
        .execution_options(synchronize_session=False)
    )
    return marked.rowcount
