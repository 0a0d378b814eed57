"""intake/charting: visit lifecycle (check-in, completion, no-show, cancellation reason, reschedule link),
a note's appointment, and red-flag answers saved on the call as they are given.

Revision ID: 0021_visits_lifecycle
Revises: 0020_merge_issue_11
Create Date: 2026-12-05 18:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0021_visits_lifecycle"
down_revision = "0020_merge_issue_11"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.add_column(sa.Column("checked_in_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("completed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("no_show_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("rescheduled_to_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_appointment_rescheduled_to", "appointment", ["rescheduled_to_id"], ["id"])
    with op.batch_alter_table("encounter") as batch:
        batch.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_encounter_appointment", "appointment", ["appointment_id"], ["id"], ondelete="SET NULL")
        batch.create_index("ix_encounter_appointment_id", ["appointment_id"])
    with op.batch_alter_table("intake_call") as batch:
        batch.add_column(sa.Column("partial_answers", _JSON, nullable=True))
        batch.add_column(sa.Column("partial_emergent_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_call") as batch:
        batch.drop_column("partial_emergent_at")
        batch.drop_column("partial_answers")
    with op.batch_alter_table("encounter") as batch:
        batch.drop_index("ix_encounter_appointment_id")
        batch.drop_constraint("fk_encounter_appointment", type_="foreignkey")
        batch.drop_column("appointment_id")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_constraint("fk_appointment_rescheduled_to", type_="foreignkey")
        for name in ("rescheduled_to_id", "cancel_reason", "cancelled_at", "no_show_at", "completed_at", "checked_in_at"):
            batch.drop_column(name)
