"""sign-in failures per client address, for throttling

Revision ID: 0019_wt_hardening_signin_fail
Revises: 0018_merge_medications
Create Date: 2026-12-05 15:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_wt_hardening_signin_fail"
down_revision = "0018_merge_medications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_failure_address_failed_at", ["address", "failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_address_failed_at")
    op.drop_table("sign_in_failure")
