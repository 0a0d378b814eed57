"""portal: portal_reminder (one reminder per patient account, check-in and kind, sent once with retry)

Revision ID: 0041_m_portal_reminders
Revises: 0040_d_portal_documents
Create Date: 2026-12-06 13:20:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0041_m_portal_reminders"
down_revision = "0040_d_portal_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("checkin_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_portal_reminder_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["account_id"], ["patient_account.id"], name=op.f("fk_portal_reminder_account_id_patient_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_reminder")),
        sa.UniqueConstraint("clinic_id", "account_id", "checkin_key", "kind", name="uq_portal_reminder_once"),
    )
    with op.batch_alter_table("portal_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_reminder_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_portal_reminder_due", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_table("portal_reminder")
