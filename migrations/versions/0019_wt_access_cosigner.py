"""charting: an encounter may name a co-signer, the one person besides its author who may sign it

Revision ID: 0019_wt_access_cosigner
Revises: 0018_merge_medications
Create Date: 2026-12-05 14:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0019_wt_access_cosigner"
down_revision = "0018_merge_medications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("encounter") as batch_op:
        batch_op.add_column(sa.Column("cosigner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_encounter_cosigner_id_app_user", "app_user", ["cosigner_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("encounter") as batch_op:
        batch_op.drop_constraint("fk_encounter_cosigner_id_app_user", type_="foreignkey")
        batch_op.drop_column("cosigner_id")
