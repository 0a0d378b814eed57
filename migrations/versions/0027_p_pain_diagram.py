"""charting.pain_diagram: a pain diagram per visit note, and its coded marked regions

Revision ID: 0027_p_pain_diagram
Revises: 0026_t_patient_events
Create Date: 2026-12-06 07:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0027_p_pain_diagram"
down_revision = "0026_t_patient_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pain_diagram",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_pain_diagram_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], name=op.f("fk_pain_diagram_encounter_id_encounter"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_pain_diagram_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_pain_diagram_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_pain_diagram_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_diagram")),
        sa.UniqueConstraint("encounter_id", name=op.f("uq_pain_diagram_encounter_id")),
    )
    with op.batch_alter_table("pain_diagram", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pain_diagram_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_pain_diagram_episode_date", ["episode_id", "date_of_service"], unique=False)
        batch_op.create_index(batch_op.f("ix_pain_diagram_patient_id"), ["patient_id"], unique=False)
    op.create_table(
        "pain_diagram_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagram_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("pain_type", sa.String(length=20), nullable=False),
        sa.Column("intensity", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_pain_diagram_mark_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["diagram_id"], ["pain_diagram.id"], name=op.f("fk_pain_diagram_mark_diagram_id_pain_diagram"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_pain_diagram_mark_episode_id_episode"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_diagram_mark")),
        sa.UniqueConstraint("diagram_id", "region", name="uq_pain_diagram_mark_region"),
    )
    with op.batch_alter_table("pain_diagram_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pain_diagram_mark_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pain_diagram_mark_diagram_id"), ["diagram_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pain_diagram_mark_episode_id"), ["episode_id"], unique=False)


def downgrade() -> None:
    op.drop_table("pain_diagram_mark")
    op.drop_table("pain_diagram")
