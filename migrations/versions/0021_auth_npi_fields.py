"""NPI of the clinic and of each staff account (the requester on prior authorizations)

Revision ID: 0021_auth_npi_fields
Revises: 0020_merge_issue_11
Create Date: 2026-12-05 18:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_auth_npi_fields"
down_revision = "0020_merge_issue_11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("npi", sa.String(length=10), nullable=True))
        # Clinic settings are edited on a page now, so two admins saving at once must not overwrite each other.
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("npi", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("npi")
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("npi")
