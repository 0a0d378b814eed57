"""medications: medication trials (history of drugs tried, one dose per row)

Revision ID: 0009_medication_history
Revises: 0006_merge_intake
Create Date: 2026-11-29 15:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0009_medication_history"
down_revision = "0006_merge_intake"
branch_labels = ("medications",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "medication_trial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("drug_key", sa.String(length=60), nullable=True),
        sa.Column("rxnorm_code", sa.String(length=20), nullable=True),
        sa.Column("drug_name", sa.String(length=200), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=True),
        sa.Column("times_per_day", sa.Integer(), nullable=True),
        sa.Column("daily_mg", sa.Float(), nullable=True),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("stop_date", sa.Date(), nullable=True),
        sa.Column("reason_stopped", sa.String(length=20), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("relief_percent", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_medication_trial_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_medication_trial_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_medication_trial_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_medication_trial_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_trial")),
    )
    with op.batch_alter_table("medication_trial", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medication_trial_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_medication_trial_episode_start", ["episode_id", "start_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_medication_trial_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("medication_trial", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_trial_patient_id"))
        batch_op.drop_index("ix_medication_trial_episode_start")
        batch_op.drop_index(batch_op.f("ix_medication_trial_clinic_id"))
    op.drop_table("medication_trial")
