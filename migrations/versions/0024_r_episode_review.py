"""worklist: episode_review, when the reconciler must look at each episode again

Revision ID: 0024_r_episode_review
Revises: 0023_rx_other_medication
Create Date: 2026-12-06 00:40:00
"""
from __future__ import annotations

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "0024_r_episode_review"
down_revision = "0023_rx_other_medication"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode_review",
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("next_review_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_episode_review_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_episode_review_episode_id_episode"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("episode_id", name=op.f("pk_episode_review")),
    )
    with op.batch_alter_table("episode_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episode_review_next_review_at"), ["next_review_at"], unique=False)
    # Every existing episode is due now, so the first review pass looks at all of them once.
    # The instant is bound from Python (naive UTC, as the app stores it), not the server's clock and zone.
    op.get_bind().execute(
        sa.text("INSERT INTO episode_review (episode_id, clinic_id, next_review_at, version, reviewed_at) "
                "SELECT id, clinic_id, :now, 1, NULL FROM episode"),
        {"now": datetime.now(timezone.utc).replace(tzinfo=None)},
    )


def downgrade() -> None:
    with op.batch_alter_table("episode_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episode_review_next_review_at"))
    op.drop_table("episode_review")
