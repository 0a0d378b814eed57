"""Background work for imaging orders: fax again the requisitions whose send failed, with backoff (and any a
crash left `sending`). Registered on the app's queue by painpath.jobs, like intake/records/scheduled.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from painpath.core.clock import utcnow
from painpath.core.logging import get_logger
from painpath.core.periodic import every_minute

if TYPE_CHECKING:
    from huey.api import Huey

    from painpath.context import AppContext

log = get_logger("painpath.orders.jobs")
RETRY_TASK_NAME = "imaging_orders_retry_failed"


def retry_failed_once(context: "AppContext") -> int:
    """One pass of the retry job; returns how many orders it tried to send."""
    from painpath.orders import order_sending

    attempted = order_sending.retry_due(context.db, knowledge=context.knowledge, calendar=context.calendar, now=utcnow())
    if attempted:
        log.info("imaging order retry pass", attempted=attempted)
    return attempted


def register(huey: "Huey", context: Callable[[], "AppContext"]) -> None:
    """Add the periodic retry to `huey` (once): every minute, each order backing off on its own."""

    every_minute(huey, RETRY_TASK_NAME, lambda: retry_failed_once(context()))
