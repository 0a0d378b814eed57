"""Reading the audit trail back: filtered, newest first, paged by id so a page never shifts under a reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painpath.core.audit import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What a reviewer asks for. Times are naive UTC bounds, [since, until)."""

    patient_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # keyset: rows older than the last one on the previous page
    limit: int = PAGE_SIZE

    def as_detail(self) -> dict[str, object]:
        """The filter for the audit row that records this reading (ids and dates only, no PHI)."""
        values = {
            "patient_id": self.patient_id, "user_id": self.user_id, "action": self.action,
            "since": self.since.isoformat() if self.since else None, "until": self.until.isoformat() if self.until else None,
            "before_id": self.before_id,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before_id: int | None  # pass as before_id for the next (older) page; None on the last page


def search(session: Session, *, clinic_id: int, f: AuditFilter) -> AuditPage:
    """One page of the clinic's audit rows matching `f`, newest first (id order is insertion order)."""
    query = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if f.patient_id is not None:
        query = query.where(AuditEvent.patient_id == f.patient_id)
    if f.user_id is not None:
        query = query.where(AuditEvent.actor_user_id == f.user_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.since is not None:
        query = query.where(AuditEvent.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEvent.at < f.until)
    if f.before_id is not None:
        query = query.where(AuditEvent.id < f.before_id)
    # One row more than the page tells whether an older page exists without a count over the whole trail.
    rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(f.limit + 1)))
    events = rows[: f.limit]
    return AuditPage(events=events, next_before_id=events[-1].id if len(rows) > f.limit else None)


def actions(session: Session, *, clinic_id: int) -> list[str]:
    """Every action the clinic's trail holds, for the reviewer's action filter."""
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.clinic_id == clinic_id).distinct().order_by(AuditEvent.action)))
