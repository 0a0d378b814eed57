"""therapy: an extension request cites its progress report, or says why there is none

Revision ID: 0021_meds_pt_extension_cite
Revises: 0020_merge_issue_11
Create Date: 2026-12-05 18:30:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0021_meds_pt_extension_cite"
down_revision = "0020_merge_issue_11"
branch_labels = None
depends_on = None

FK = "fk_pt_authorization_extension_report"  # the naming convention's name is over PostgreSQL's 63 characters


def upgrade() -> None:
    with op.batch_alter_table("pt_authorization") as batch_op:
        batch_op.add_column(sa.Column("extension_progress_report_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(FK, "pt_progress_report", ["extension_progress_report_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("pt_authorization") as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("extension_progress_report_id")
