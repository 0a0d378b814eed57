"""Background work for the portal, registered on the app's queue by painpath.jobs (this module never imports it):
resending invitations whose mail failed, with the records requests' backoff (and any a crash left `sending`),
and the reminder pass (portal/reminders.py), every minute, once across the cluster (core/cluster_lock: the run
that gets the lock works, the others skip), like the app's own periodic jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from painpath.core.cluster_lock import cluster_lock
from painpath.core.clock import utcnow
from painpath.core.logging import get_logger
from painpath.core.periodic import every_minute

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

log = get_logger("painpath.portal.jobs")
RETRY_TASK_NAME = "portal_invitations_retry_failed"
REMINDER_TASK_NAME = "portal_reminders"


def retry_failed_once(context: "AppContext") -> int:
    """One pass of the invitation retry job; returns how many invitations it tried to send."""
    from painpath.portal import invitations

    return invitations.retry_due(context.db, calendar=context.calendar, now=utcnow())


def reminders_once(context: "AppContext") -> dict[str, int] | None:
    """One reminder pass under the cluster lock; None when another process holds it."""
    from painpath.portal import reminders

    with cluster_lock(context.db.engine, context.settings.queue_url).hold(REMINDER_TASK_NAME) as held:
        if not held:
            log.info("periodic job skipped: another process is running it", job=REMINDER_TASK_NAME)
            return None
        return reminders.run_once(context.db, knowledge=context.knowledge, calendar=context.calendar, now=utcnow())


def register(huey: "Huey", context: Callable[[], "AppContext"]) -> None:
    every_minute(huey, RETRY_TASK_NAME, lambda: retry_failed_once(context()))
    every_minute(huey, REMINDER_TASK_NAME, lambda: reminders_once(context()))
