"""Background work for records: resend failed requests with backoff (and any a crash left behind).

`retry_failed_once` is the job; `register(huey)` puts it on a queue as a periodic task. The app's
queue lives in painpath.jobs, which imports the app context; it is imported lazily here so that
loading this slice never creates an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from huey import crontab

from painpath.core.clock import utcnow
from painpath.core.logging import get_logger

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

log = get_logger("painpath.records.jobs")
RETRY_TASK_NAME = "records_retry_failed"


def retry_failed_once(context: "AppContext | None" = None) -> int:
    """One pass of the retry job; returns how many requests it tried to send."""
    from painpath.intake.records import service

    if context is None:
        from painpath import jobs

        context = jobs._context()  # the web app's shared context, or the worker's own

    def reconcile(session, episode_ids):  # noqa: ANN001, ANN202
        return context.reconcile(session, episode_ids)

    attempted = service.retry_due(context.db, now=utcnow(), after_send=reconcile)
    if attempted:
        log.info("records retry pass", attempted=attempted)
    return attempted


def register(huey: "Huey") -> None:
    """Add the periodic retry to `huey` (once); it runs every minute and backs off per request."""
    try:
        huey.periodic_task(crontab(minute="*"), name=RETRY_TASK_NAME)(_run)
    except ValueError:
        pass  # huey refuses a second task with the same name: it is already on this queue


def _run() -> int:
    return retry_failed_once()
