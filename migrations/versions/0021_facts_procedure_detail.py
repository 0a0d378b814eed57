"""procedures: the performing clinician, and what a relief report says about function

Revision ID: 0021_facts_procedure_detail
Revises: 0020_merge_issue_11
Create Date: 2026-12-05 18:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0021_facts_procedure_detail"
down_revision = "0020_merge_issue_11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("performed_procedure") as batch:
        batch.add_column(sa.Column("performed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_performed_procedure_performed_by", "app_user", ["performed_by_id"], ["id"])
    with op.batch_alter_table("procedure_relief") as batch:
        batch.add_column(sa.Column("function_change", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("regained", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("procedure_relief") as batch:
        batch.drop_column("regained")
        batch.drop_column("function_change")
    with op.batch_alter_table("performed_procedure") as batch:
        batch.drop_constraint("fk_performed_procedure_performed_by", type_="foreignkey")
        batch.drop_column("performed_by_id")
