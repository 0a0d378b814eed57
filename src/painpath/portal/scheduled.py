"""Background work for the portal: resend invitations whose mail failed, with the records requests' backoff
(and any a crash left `sending`). Registered on the app's queue by painpath.jobs, like the referral retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from painpath.core.clock import utcnow
from painpath.core.periodic import every_minute

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

RETRY_TASK_NAME = "portal_invitations_retry_failed"


def retry_failed_once(context: "AppContext") -> int:
    """One pass of the retry job; returns how many invitations it tried to send."""
    from painpath.portal import invitations

    return invitations.retry_due(context.db, calendar=context.calendar, now=utcnow())


def register(huey: "Huey", context: Callable[[], "AppContext"]) -> None:
    every_minute(huey, RETRY_TASK_NAME, lambda: retry_failed_once(context()))
