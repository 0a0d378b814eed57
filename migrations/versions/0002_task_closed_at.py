"""index closed tasks by clinic and closed time

Revision ID: 0002_task_closed_at
Revises: 0001_foundation
Create Date: 2026-11-29 12:13:56.633349
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002_task_closed_at'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


_CLOSED = sa.text("closed_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_closed_at", ["clinic_id", "closed_at"], unique=False, postgresql_where=_CLOSED, sqlite_where=_CLOSED)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_closed_at", postgresql_where=_CLOSED, sqlite_where=_CLOSED)
