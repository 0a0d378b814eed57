"""instruments: administrations scored from the packs, with the safety review of alerts

Revision ID: 0008_instrument_administrations
Revises: 0006_merge_intake
Create Date: 2026-11-29 14:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008_instrument_administrations"
down_revision = "0006_merge_intake"
branch_labels = ("instruments",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "instrument_administration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("instrument_id", sa.String(length=60), nullable=False),
        sa.Column("pack_id", sa.String(length=80), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("subscales", JSON, nullable=False),
        sa.Column("band", sa.String(length=120), nullable=True),
        sa.Column("alerts", JSON, nullable=False),
        sa.Column("administered_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("administered_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("external_ref", sa.String(length=300), nullable=True),
        sa.Column("safety_reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("safety_reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("safety_review_note", sa.Text(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["administered_by_id"], ["app_user.id"], name=op.f("fk_instrument_administration_administered_by_id_app_user")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_instrument_administration_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_instrument_administration_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_instrument_administration_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_instrument_administration_recorded_by_id_app_user")),
        sa.ForeignKeyConstraint(["safety_reviewed_by_id"], ["app_user.id"], name=op.f("fk_instrument_administration_safety_reviewed_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_administration")),
    )
    with op.batch_alter_table("instrument_administration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instrument_administration_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instrument_administration_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_instrument_administration_episode", ["episode_id", "instrument_id", "administered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("instrument_administration", schema=None) as batch_op:
        batch_op.drop_index("ix_instrument_administration_episode")
        batch_op.drop_index(batch_op.f("ix_instrument_administration_patient_id"))
        batch_op.drop_index(batch_op.f("ix_instrument_administration_clinic_id"))
    op.drop_table("instrument_administration")
