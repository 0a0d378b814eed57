"""Background work on huey: the deadline sweeper and the periodic review pass (worklist/review.py).

Embedded installs queue in a SQLite file; production points PAINPATH_QUEUE_URL at Redis.
`painpath worker` runs a consumer; `painpath serve` starts one inside the web process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

from painpath.context import AppContext, build_context
from painpath.core.cluster_lock import cluster_lock
from painpath.core.clock import utcnow
from painpath.core.config import QueueSettings, get_settings
from painpath.core.logging import get_logger
from painpath.core.runtime import settle_after_start_up
from painpath.slices import slice_modules
from painpath.worklist.review import full_recompute, review_due
from painpath.worklist.sweeper import sweep_overdue

log = get_logger("painpath.jobs")


def make_huey(queue_url: str, name: str = "painpath") -> Huey:
    """The queue at `queue_url`; `name` keys it, so queues of another name on the same Redis stay apart."""
    if queue_url.startswith("redis://"):
        return RedisHuey(name, url=queue_url)
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path))
    raise ValueError(f"PAINPATH_QUEUE_URL must start with sqlite:/// or redis://, got {queue_url.split(':')[0]}")


huey = make_huey(QueueSettings().queue_url)


@lru_cache
def worker_context() -> AppContext:
    """Built once per worker process; the web process shares its own via use_context()."""
    context = build_context(get_settings())
    settle_after_start_up()
    return context


_shared: dict[str, AppContext] = {}


def use_context(context: AppContext) -> None:
    """Let an in-process consumer reuse the web app's context (one engine, one knowledge load)."""
    _shared["context"] = context


def _context() -> AppContext:
    return _shared.get("context") or worker_context()


def sweep_once() -> int:
    flagged = sweep_overdue(_context().db, utcnow())
    if flagged:
        log.info("sweeper flagged overdue tasks", count=flagged)
    return flagged


def reconcile_all_once() -> dict:
    """A full recompute of every open episode, in chunks of short transactions (`painpath reconcile --full`)."""
    result = full_recompute(_context())
    log.info("reconciled open episodes", reviewed=result.reviewed, opened=result.opened, met=result.met,
             cancelled=result.cancelled, failed=result.failed)
    return result.summary()


def review_once() -> dict:
    """Reconcile the episodes that came due (their next change passed, or facts changed outside a request),
    in chunks of short transactions; with nothing due it is one indexed SELECT."""
    result = review_due(_context())
    # A provider failing for some episodes does not stop this pass (worklist/gather.py): it counts them here,
    # logs each by provider and episode id, and opens an admin task for each.
    if result.reviewed or result.failed:
        log.info("reviewed due episodes", reviewed=result.reviewed, opened=result.opened, met=result.met,
                 cancelled=result.cancelled, failed=result.failed)
    return result.summary()


def once_across_cluster(name: str) -> Callable[[Callable], Callable]:
    """Every consumer schedules periodic jobs on its own; the run that gets the cluster lock does the work,
    the others skip (return None) and log it. See core/cluster_lock.py."""

    def wrap(job: Callable) -> Callable:
        @wraps(job)
        def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            context = _context()
            with cluster_lock(context.db.engine, context.settings.queue_url).hold(name) as held:
                if not held:
                    log.info("periodic job skipped: another process is running it", job=name)
                    return None
                return job(*args, **kwargs)

        return run

    return wrap


@huey.periodic_task(crontab(minute="*"), name="sweep_overdue")
@once_across_cluster("sweep_overdue")
def sweep_task() -> int:
    return sweep_once()


@huey.periodic_task(crontab(minute="*"), name="reconcile_all")
@once_across_cluster("reconcile_all")
def reconcile_task() -> dict:
    # Time alone can create obligations (a follow-up window opens): each episode says when, and this pass
    # takes the ones whose moment came. Facts written in a request reconcile at once.
    return review_once()


# Slices with background work of their own (a `scheduled.py` with `register(huey, context)`) add it here,
# with the way their tasks get the app context: they never import this module.
for _module in slice_modules("scheduled"):
    _module.register(huey, _context)
