"""therapy: pt_protocol_change, a PT course switched to another protocol with the reason

Revision ID: 0029_s_pt_protocol_switch
Revises: 0028_d_shared_decisions
Create Date: 2026-12-06 10:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0029_s_pt_protocol_switch"
down_revision = "0028_d_shared_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pt_protocol_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("from_protocol_id", sa.String(length=80), nullable=False),
        sa.Column("to_protocol_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["app_user.id"], name=op.f("fk_pt_protocol_change_changed_by_id_app_user")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_pt_protocol_change_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["course_id"], ["pt_course.id"], name=op.f("fk_pt_protocol_change_course_id_pt_course"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_pt_protocol_change_episode_id_episode"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pt_protocol_change")),
    )
    with op.batch_alter_table("pt_protocol_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pt_protocol_change_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pt_protocol_change_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pt_protocol_change_episode_id"), ["episode_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pt_protocol_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pt_protocol_change_episode_id"))
        batch_op.drop_index(batch_op.f("ix_pt_protocol_change_course_id"))
        batch_op.drop_index(batch_op.f("ix_pt_protocol_change_clinic_id"))
    op.drop_table("pt_protocol_change")
