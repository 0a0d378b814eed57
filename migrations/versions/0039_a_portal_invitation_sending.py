"""portal: an invitation's sending state (sending / sent / failed), attempts and the next retry

Revision ID: 0039_a_portal_invitation_sending
Revises: 0038_k_checkins
Create Date: 2026-12-06 13:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0039_a_portal_invitation_sending"
down_revision = "0038_k_checkins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transmission", sa.String(length=10), nullable=False, server_default="sending"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_invitation", schema=None) as batch_op:
        for name in ("last_error", "sent_at", "next_attempt_at", "last_attempt_at", "attempts", "transmission"):
            batch_op.drop_column(name)
