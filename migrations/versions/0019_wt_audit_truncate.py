"""audit_event refuses TRUNCATE on PostgreSQL, as it refuses UPDATE and DELETE

TRUNCATE fires no row triggers, so the append-only trigger of 0001 let `TRUNCATE audit_event` (or a
TRUNCATE ... CASCADE of clinic or app_user) empty the trail. A statement-level trigger closes that.
SQLite has no TRUNCATE: its "DELETE FROM audit_event" is refused by the row trigger of 0001.

Revision ID: 0019_wt_audit_truncate
Revises: 0018_merge_medications
Create Date: 2026-12-05 14:40:00
"""
from __future__ import annotations

from alembic import op

revision = "0019_wt_audit_truncate"
down_revision = "0018_merge_medications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # audit_event_append_only() (0001) only raises, so it serves a statement-level trigger as well.
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
