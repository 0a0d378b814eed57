"""Background work for records: resend failed requests with backoff (and any a crash left behind).

`retry_failed_once` is the job; `register(huey, context)` puts it on a queue as a periodic task. The
app's queue lives in painpath.jobs, above the slices: it registers this job with the way it gets the app
context (the web app's shared one, or the worker's own), so this module never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from painpath.core.clock import utcnow
from painpath.core.logging import get_logger
from painpath.core.periodic import every_minute

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

log = get_logger("painpath.records.jobs")
RETRY_TASK_NAME = "records_retry_failed"


def retry_failed_once(context: "AppContext") -> int:
    """One pass of the retry job; returns how many requests it tried to send."""
    from painpath.intake.records import service

    def reconcile(session, episode_ids):  # noqa: ANN001, ANN202
        return context.reconcile(session, episode_ids)

    attempted = service.retry_due(context.db, now=utcnow(), after_send=reconcile)
    if attempted:
        log.info("records retry pass", attempted=attempted)
    return attempted


def register(huey: "Huey", context: Callable[[], "AppContext"]) -> None:
    """Add the periodic retry to `huey` (once); it runs every minute and backs off per request. `context`
    gives the app context when the task runs."""

    every_minute(huey, RETRY_TASK_NAME, lambda: retry_failed_once(context()))
