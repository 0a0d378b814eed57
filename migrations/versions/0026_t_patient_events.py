"""charting: patient_event, the patient's timeline of major events (dated to the day, month or year)

Revision ID: 0026_t_patient_events
Revises: 0025_h_patient_history
Create Date: 2026-12-06 06:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0026_t_patient_events"
down_revision = "0025_h_patient_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_patient_event_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_patient_event_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_event_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_patient_event_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_event")),
    )
    with op.batch_alter_table("patient_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_event_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patient_event_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index("ix_patient_event_patient_date", ["patient_id", "occurred_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patient_event", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_event_patient_date")
        batch_op.drop_index(batch_op.f("ix_patient_event_episode_id"))
        batch_op.drop_index(batch_op.f("ix_patient_event_clinic_id"))
    op.drop_table("patient_event")
