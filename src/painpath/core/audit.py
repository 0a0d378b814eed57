"""Append-only audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from painpath.core.clock import utcnow
from painpath.core.context import current_request_id
from painpath.core.db import Base, JSONType


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinic.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # "system:sweeper" and the like when no person acted.
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args) -> None:
    raise AuditIsAppendOnly("audit_event rows are never updated")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args) -> None:
    raise AuditIsAppendOnly("audit_event rows are never deleted")


# Every column but the id the database makes: read off the table, so a column added later is written too.
_WRITTEN = tuple(column.key for column in AuditEvent.__table__.columns if not column.primary_key)
_INSERT = AuditEvent.__table__.insert()  # built once: building it at each flush cost as much as running it


@event.listens_for(Session, "before_flush")
def _insert_audit_rows(session: Session, _flush_context: object, _instances: object) -> None:
    """Write the flush's new audit rows with one executemany INSERT, in the order they were recorded, ahead of
    the unit of work. The ORM inserts rows whose ids the database makes one statement each on SQLite (it
    cannot match RETURNING rows to a multi-row INSERT there), and audit rows are most of what a busy unit of
    work inserts: about 0.15 ms each that way. Nothing reads an audit row back through the session, so the
    rows leave it once written. Same transaction (or savepoint) as the rest of the flush: it commits or rolls
    back with the change, as before; the ids they reference are already in the database (an actor's
    clinic and user, never a row of this flush)."""
    rows = [row for row in session.new if type(row) is AuditEvent]
    if not rows:
        return
    rows.sort(key=lambda row: inspect(row).insert_order)
    values = [{name: getattr(row, name) for name in _WRITTEN} for row in rows]
    for value in values:
        if value["at"] is None:
            value["at"] = utcnow()
        if value["detail"] is None:
            value["detail"] = {}
    session.connection().execute(_INSERT, values)
    for row in rows:
        session.expunge(row)


class Actor:
    """Who is acting: a signed-in user or a named system process."""

    def __init__(self, *, user_id: int | None, label: str, clinic_id: int | None, role: str | None = None):
        self.user_id = user_id
        self.label = label
        self.clinic_id = clinic_id
        self.role = role

    @classmethod
    def system(cls, name: str, clinic_id: int | None = None) -> "Actor":
        return cls(user_id=None, label=f"system:{name}", clinic_id=clinic_id, role="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: object | None = None,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit row to the caller's transaction: it commits or rolls back with the change."""
    row = AuditEvent(
        at=utcnow(),
        clinic_id=clinic_id if clinic_id is not None else actor.clinic_id,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        patient_id=patient_id,
        request_id=current_request_id(),
        detail=detail or {},
    )
    session.add(row)
    return row
