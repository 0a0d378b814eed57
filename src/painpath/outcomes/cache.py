"""Computed figures, cached for large clinics.

A figure is kept in this process's memory for TTL_SECONDS under (clinic, measure, filters, facts version), where
the facts version is the newest `audit_event` id. Every change of a fact is audited in the same transaction as
the change (DESIGN.md), so a fact committed by ANY web process or job moves the version that every process reads
from the shared database before it looks in its own cache: no process can serve a figure computed before a
change it can see. That is why a per-process cache is safe with several web processes and needs no cache table
or invalidation messages. Writes that bypass the audit (a bulk import, the demo loader) are bounded by the short
time-to-live. `max(id)` on the primary key is one index probe on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painpath.core.audit import AuditEvent
from painpath.outcomes.measures import Figure, Filters

TTL_SECONDS = 120.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_entries: OrderedDict[tuple, tuple[float, Figure]] = OrderedDict()


def facts_version(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.id))) or 0


def cached_figure(session: Session, *, clinic_id: int, measure_id: str, filters: Filters, compute: Callable[[], Figure],
                  version: int | None = None, now: Callable[[], float] = time.monotonic) -> Figure:
    """The figure from the cache when it was computed on the same facts less than TTL_SECONDS ago, else computed."""
    key = (clinic_id, measure_id, filters, facts_version(session) if version is None else version)
    with _lock:
        found = _entries.get(key)
        if found is not None and now() - found[0] < TTL_SECONDS:
            _entries.move_to_end(key)
            return found[1]
    figure = compute()
    with _lock:
        _entries[key] = (now(), figure)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return figure


def clear() -> None:
    with _lock:
        _entries.clear()
