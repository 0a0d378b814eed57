"""core: clinic.forms_turnaround_days, the clinic's own turnaround target for disability and leave forms

Revision ID: 0036_t_forms_turnaround
Revises: 0035_c_workers_comp
Create Date: 2026-12-06 11:30:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0036_t_forms_turnaround"
down_revision = "0035_c_workers_comp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forms_turnaround_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_column("forms_turnaround_days")
