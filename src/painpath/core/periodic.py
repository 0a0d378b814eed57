"""Periodic background jobs on huey, registered once per queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from huey import crontab

if TYPE_CHECKING:
    from huey.api import Huey


def every_minute(huey: "Huey", name: str, run: Callable[[], object]) -> None:
    """Put `run` on `huey` to run every minute. Registering twice is harmless: huey refuses a second task with
    the same name, which means it is already on this queue."""
    try:
        huey.periodic_task(crontab(minute="*"), name=name)(run)
    except ValueError:
        pass
