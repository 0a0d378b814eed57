"""pt_course: how a course ended (the day, why, who recorded it)

Revision ID: 0044_t_pt_course_end
Revises: 0043_p_payer_policy_drafts
Create Date: 2026-12-07 02:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0044_t_pt_course_end"
down_revision = "0043_p_payer_policy_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pt_course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_pt_course_ended_by_id_app_user"), "app_user", ["ended_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pt_course", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pt_course_ended_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("ended_by_id")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_on")
