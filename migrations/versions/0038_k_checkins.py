"""checkins: checkin_record (what staff did to a scheduled check-in: note, booked time, new day, cancellation)

Revision ID: 0038_k_checkins
Revises: 0037_p_patient_portal
Create Date: 2026-12-06 13:15:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0038_k_checkins"
down_revision = "0037_p_patient_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("pain_now", sa.Integer(), nullable=True),
        sa.Column("function_words", sa.Text(), nullable=True),
        sa.Column("side_effects", sa.Text(), nullable=True),
        sa.Column("red_flags", sa.Boolean(), nullable=True),
        sa.Column("red_flags_words", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("relief_percent", sa.Float(), nullable=True),
        sa.Column("relief_id", sa.Integer(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("booked_at", sa.DateTime(), nullable=True),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("rescheduled_to", sa.Date(), nullable=True),
        sa.Column("rescheduled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("red_flags_reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("red_flags_reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_checkin_record_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_checkin_record_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_checkin_record_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["done_by_id"], ["app_user.id"], name=op.f("fk_checkin_record_done_by_id_app_user")),
        sa.ForeignKeyConstraint(["booked_by_id"], ["app_user.id"], name=op.f("fk_checkin_record_booked_by_id_app_user")),
        sa.ForeignKeyConstraint(["rescheduled_by_id"], ["app_user.id"], name=op.f("fk_checkin_record_rescheduled_by_id_app_user")),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["app_user.id"], name=op.f("fk_checkin_record_cancelled_by_id_app_user")),
        sa.ForeignKeyConstraint(["red_flags_reviewed_by_id"], ["app_user.id"], name=op.f("fk_checkin_record_red_flags_reviewed_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_record")),
        sa.UniqueConstraint("episode_id", "key", name="uq_checkin_record_episode_key"),
    )
    with op.batch_alter_table("checkin_record") as batch:
        batch.create_index(batch.f("ix_checkin_record_clinic_id"), ["clinic_id"])
        batch.create_index(batch.f("ix_checkin_record_episode_id"), ["episode_id"])
        batch.create_index(batch.f("ix_checkin_record_patient_id"), ["patient_id"])


def downgrade() -> None:
    op.drop_table("checkin_record")
