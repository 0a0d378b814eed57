"""charting.history: patient_history, the patient's work, sports, surgeries, injuries and habits

Revision ID: 0025_h_patient_history
Revises: 0024_r_episode_review
Create Date: 2026-12-06 06:50:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0025_h_patient_history"
down_revision = "0024_r_episode_review"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "patient_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("occupation", sa.String(length=200), nullable=False),
        sa.Column("work_status", sa.String(length=20), nullable=False),
        sa.Column("lifting_lb", sa.Integer(), nullable=True),
        sa.Column("sitting_hours", sa.Float(), nullable=True),
        sa.Column("driving_hours", sa.Float(), nullable=True),
        sa.Column("shift_pattern", sa.String(length=20), nullable=False),
        sa.Column("work_notes", sa.Text(), nullable=False),
        sa.Column("sports", _JSON, nullable=False),
        sa.Column("surgeries", _JSON, nullable=False),
        sa.Column("injuries", _JSON, nullable=False),
        sa.Column("smoking_status", sa.String(length=10), nullable=False),
        sa.Column("pack_years", sa.Float(), nullable=True),
        sa.Column("quit_year", sa.Integer(), nullable=True),
        sa.Column("cotinine_ng_ml", sa.Float(), nullable=True),
        sa.Column("cotinine_on", sa.Date(), nullable=True),
        sa.Column("alcohol_drinks_per_week", sa.Integer(), nullable=True),
        sa.Column("substances", sa.Text(), nullable=False),
        sa.Column("sleep_hours", sa.Float(), nullable=True),
        sa.Column("prior_treatments", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_patient_history_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_history_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"], name=op.f("fk_patient_history_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_history")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_history_patient_id")),
    )
    with op.batch_alter_table("patient_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_history_clinic_id"), ["clinic_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patient_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_history_clinic_id"))
    op.drop_table("patient_history")
