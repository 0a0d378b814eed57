"""patients: a coverage's subscriber (the card holder) and the patient's relationship to them

Revision ID: 0021_cover_coverage_subscriber
Revises: 0020_merge_issue_11
Create Date: 2026-12-05 18:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0021_cover_coverage_subscriber"
down_revision = "0020_merge_issue_11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coverage") as batch:
        batch.add_column(sa.Column("subscriber_name", sa.String(length=160), nullable=True))
        batch.add_column(sa.Column("subscriber_relationship", sa.String(length=10), nullable=False, server_default="self"))


def downgrade() -> None:
    with op.batch_alter_table("coverage") as batch:
        batch.drop_column("subscriber_relationship")
        batch.drop_column("subscriber_name")
