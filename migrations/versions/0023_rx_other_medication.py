"""medications: other medications (drugs outside the packs, entered or imported), never dropped

Revision ID: 0023_rx_other_medication
Revises: 0022_merge_issue_12
Create Date: 2026-12-05 22:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0023_rx_other_medication"
down_revision = "0022_merge_issue_12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "other_medication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dose", sa.String(length=200), nullable=True),
        sa.Column("sig", sa.Text(), nullable=True),
        sa.Column("rxnorm_code", sa.String(length=20), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("record_status", sa.String(length=40), nullable=True),
        sa.Column("dose_value", sa.Float(), nullable=True),
        sa.Column("dose_unit", sa.String(length=40), nullable=True),
        sa.Column("times_per_day", sa.Float(), nullable=True),
        sa.Column("interval_hours", sa.Float(), nullable=True),
        sa.Column("as_needed", sa.Boolean(), nullable=False),
        sa.Column("record_import_id", sa.Integer(), nullable=True),
        sa.Column("source_ref", sa.String(length=300), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_other_medication_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_other_medication_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_other_medication_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_import_id"], ["record_import.id"],
                                name=op.f("fk_other_medication_record_import_id_record_import"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_other_medication_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_other_medication")),
    )
    with op.batch_alter_table("other_medication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_other_medication_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_other_medication_episode", ["episode_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_other_medication_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("other_medication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_other_medication_patient_id"))
        batch_op.drop_index("ix_other_medication_episode")
        batch_op.drop_index(batch_op.f("ix_other_medication_clinic_id"))
    op.drop_table("other_medication")
