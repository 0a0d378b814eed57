"""Which episodes had facts written in this unit of work, so the worklist can follow before it commits.

A fact recorded anywhere (a relief report, an imaging report, an exam, a document in a kit) can meet or
open an obligation. Rather than trusting every route to remember to reconcile, the session notes the
episode of every row it flushes, and the request's unit of work reconciles those episodes before it
commits (web/deps.py). Worklist rows and audit rows are not facts: reconciling writes tasks, and every
read writes audit rows, and neither should start another round.

A unit of work that commits facts without reconciling them (a background job, an import, a script) does
not lose them either: at commit, the episodes still noted here are marked due for review
(worklist/review_state.py), and the next review pass (worklist/review.py) reconciles them.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from painpath.core.clock import utcnow
from painpath.worklist.review_state import mark_for_review

_KEY = "painpath.touched_episodes"
NOT_FACTS = frozenset({"task", "task_comment", "audit_event", "user_session", "app_user", "episode_review"})


def _episode_of(row: object) -> int | None:
    table = getattr(row, "__tablename__", None)
    if table in NOT_FACTS:
        return None
    if table == "episode":
        return getattr(row, "id", None)
    return getattr(row, "episode_id", None)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _flush_context) -> None:  # noqa: ANN001
    # after_flush still lists what was new, changed and deleted, now with primary keys assigned.
    touched: set[int] = session.info.setdefault(_KEY, set())
    for row in (*session.new, *session.dirty, *session.deleted):
        episode_id = _episode_of(row)
        if isinstance(episode_id, int):
            touched.add(episode_id)


@event.listens_for(Session, "before_commit")
def _mark_unreconciled(session: Session) -> None:
    # Flush first: commit flushes after this hook, and what it would flush may touch episodes too.
    session.flush()
    pending = session.info.pop(_KEY, None)
    if pending:
        mark_for_review(session, pending, utcnow())


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_commit")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def take(session: Session) -> list[int]:
    """The episodes touched since the last reconcile, and forget them (flushes pending changes first)."""
    session.flush()
    return sorted(session.info.pop(_KEY, set()))


def reconciled(session: Session, episode_ids: list[int] | None) -> None:
    """These episodes are in line with their facts now (None: all of them)."""
    touched: set[int] | None = session.info.get(_KEY)
    if touched is None:
        return
    if episode_ids is None:
        touched.clear()
    else:
        touched.difference_update(episode_ids)
