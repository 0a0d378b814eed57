"""Collect every provider's findings so that one episode's failure never stops the others.

A provider that raises, or that produces one key twice, used to stop the whole reconcile: the request
that wrote a fact failed, and the clinic-wide pass stopped for everyone. Here the providers first run
together; when one fails, they run again each inside its own savepoint (a database error in it undoes only
its own reads' transaction state, not the caller's write), and when one fails for a group of episodes, the
group is halved until the failing episodes are found, so the others still get their obligations and the
failing ones are reported as `ProviderFailure`s. The caller leaves the failing provider's tasks of those
episodes as they were and tells an admin.

Failures are logged with the provider's name, the episode id and the exception's type only: an
exception's message can quote patient data (a bound parameter, a name in a title).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from painpath.core.db import read_memo
from painpath.core.logging import get_logger
from painpath.patients.models import Episode
from painpath.worklist.engine import (
    OPEN,
    EngineContext,
    Finding,
    ObligationProvider,
    keyed,
)
from painpath.worklist.models import Task

log = get_logger("painpath.worklist")

DUPLICATE_KEY = "DuplicateKey"


class DuplicateKey(Exception):
    """A provider produced a key that another finding already holds; the key itself stays out of logs."""


@dataclass(frozen=True)
class ProviderFailure:
    provider: str
    episode_id: int
    error: str  # the exception's type name, never its message


@dataclass
class Gathered:
    findings: list[Finding] = field(default_factory=list)
    failures: list[ProviderFailure] = field(default_factory=list)

    def failed(self, provider: str, episode_id: int) -> bool:
        return any(f.provider == provider and f.episode_id == episode_id for f in self.failures)


def gather(session: Session, providers: Sequence[ObligationProvider], context: EngineContext,
           episode_ids: Sequence[int] | None, *, reads_only: bool = False) -> Gathered:
    """Every provider's findings for the episodes (all when None), minus those of failing episodes.

    Providers rarely fail, so they first run all at once, and a batch read that several of them make is made
    once, for all the episodes, at the first ask (core.db.read_memo):
    - `reads_only`: the session's transaction has only read and nothing else rides on it (a review pass's
      evaluation, worklist/review.py), so with no savepoint; a failure rolls that transaction back.
    - otherwise (a write's reconcile, the caller's change riding on the transaction) in one savepoint, which a
      failure undoes: two statements, where a savepoint per provider costs two per provider (a third of a
      one-episode reconcile's statements).
    After a failure they run again one by one, each in its own savepoint, and a failing group of episodes is
    halved until the failing ones are found."""
    try:
        with nullcontext() if reads_only else session.begin_nested(), read_memo(session, episode_ids=episode_ids):
            return _all_at_once(session, providers, context, episode_ids)
    except Exception:  # noqa: BLE001 - found again below, with each failure kept to its own episodes
        if reads_only:
            session.rollback()
    # No chunk-wide reads here: a read for the whole chunk would fail for every episode with the one that fails.
    with read_memo(session):
        gathered = Gathered()
        keys: set[str] = set()  # across providers too: the planner needs every key once
        for provider in providers:
            gathered.findings += _isolated(session, provider, context, episode_ids, keys, gathered.failures)
        return gathered


def _all_at_once(session: Session, providers: Sequence[ObligationProvider], context: EngineContext,
                 episode_ids: Sequence[int] | None) -> Gathered:
    """Every provider's findings with no savepoint around each; raises at the first failure."""
    found: list[Finding] = []
    scope = None if episode_ids is None else list(episode_ids)
    for provider in providers:
        found += provider.findings(session, episode_ids=scope, context=context)
    keys = [f.key for f in keyed(found)]
    if len(set(keys)) != len(keys):
        raise DuplicateKey()
    return Gathered(findings=found)


def _isolated(session: Session, provider: ObligationProvider, context: EngineContext, scope: Sequence[int] | None,
              keys: set[str], failures: list[ProviderFailure]) -> list[Finding]:
    try:
        return _attempt(session, provider, context, scope, keys)
    except Exception as exc:  # noqa: BLE001 - any provider error must stay with its own episodes
        error = type(exc).__name__
    episodes = sorted(scope) if scope is not None else _episodes_in_play(session, provider.name)
    if len(episodes) <= 1:
        for episode_id in episodes:
            failures.append(ProviderFailure(provider.name, episode_id, error))
            log.warning("obligation provider failed for an episode", provider=provider.name, episode_id=episode_id, error=error)
        if not episodes:
            log.warning("obligation provider failed", provider=provider.name, error=error)
        return []
    # Halving finds k failing episodes among n in about k*log2(n) runs; it only happens on failure.
    middle = len(episodes) // 2
    return (_isolated(session, provider, context, episodes[:middle], keys, failures)
            + _isolated(session, provider, context, episodes[middle:], keys, failures))


def _attempt(session: Session, provider: ObligationProvider, context: EngineContext, scope: Sequence[int] | None,
             keys: set[str]) -> list[Finding]:
    with session.begin_nested():
        found = provider.findings(session, episode_ids=None if scope is None else list(scope), context=context)
    new_keys = [f.key for f in keyed(found)]
    if len(set(new_keys)) != len(new_keys) or not keys.isdisjoint(new_keys):
        raise DuplicateKey()
    keys.update(new_keys)
    return found


def _episodes_in_play(session: Session, provider: str) -> list[int]:
    """What a clinic-wide run covers: open episodes, and any episode where this provider has open tasks."""
    has_open_tasks = select(Task.episode_id).where(Task.status == OPEN, Task.provider == provider)
    return list(session.scalars(
        select(Episode.id).where(or_(Episode.status == "open", Episode.id.in_(has_open_tasks))).order_by(Episode.id)
    ))
