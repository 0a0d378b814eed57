"""payer_policy_draft: a clinic's drafts of payer policies, previewed against the open cases (never decide)

Revision ID: 0043_p_payer_policy_drafts
Revises: 0042_c_costs
Create Date: 2026-12-06 16:05:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0043_p_payer_policy_drafts"
down_revision = "0042_c_costs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payer_policy_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_payer_policy_draft_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["app_user.id"], name=op.f("fk_payer_policy_draft_uploaded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_policy_draft")),
    )
    with op.batch_alter_table("payer_policy_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payer_policy_draft_clinic_id"), ["clinic_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payer_policy_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payer_policy_draft_clinic_id"))
    op.drop_table("payer_policy_draft")
