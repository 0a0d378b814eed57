"""medications: a planned trial's reason for a target above the pack's maximum

Revision ID: 0019_wt_engine_target_reason
Revises: 0018_merge_medications
Create Date: 2026-12-05 14:30:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0019_wt_engine_target_reason"
down_revision = "0018_merge_medications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("medication_trial_plan") as batch:
        batch.add_column(sa.Column("above_max_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("medication_trial_plan") as batch:
        batch.drop_column("above_max_reason")
