"""Background work for referrals: resend failed referral letters with backoff (and any a crash left
`sending`). Registered on the app's queue by painpath.jobs, like the records retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from painpath.core.clock import utcnow
from painpath.core.periodic import every_minute

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

RETRY_TASK_NAME = "referrals_retry_failed"


def retry_failed_once(context: "AppContext") -> int:
    """One pass of the retry job; returns how many referrals it tried to send."""
    from painpath.referrals import sending

    return sending.retry_due(context.db, knowledge=context.knowledge, calendar=context.calendar, now=utcnow(),
                             after_send=lambda session, ids: context.reconcile(session, ids))


def register(huey: "Huey", context: Callable[[], "AppContext"]) -> None:
    every_minute(huey, RETRY_TASK_NAME, lambda: retry_failed_once(context()))
