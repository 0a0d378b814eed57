"""portal: patient_account and portal_invitation (a patient's sign-in tied to one record; one-time invitations)

Revision ID: 0037_p_patient_portal
Revises: 0036_t_forms_turnaround
Create Date: 2026-12-06 13:05:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0037_p_patient_portal"
down_revision = "0036_t_forms_turnaround"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reminder_channel", sa.String(length=10), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_patient_account_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_account_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_patient_account_user_id_app_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["revoked_by_user_id"], ["app_user.id"], name=op.f("fk_patient_account_revoked_by_user_id_app_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_account")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_account_patient_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_patient_account_user_id")),
    )
    with op.batch_alter_table("patient_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_account_clinic_id"), ["clinic_id"], unique=False)
    op.create_table(
        "portal_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_portal_invitation_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_portal_invitation_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["app_user.id"], name=op.f("fk_portal_invitation_created_by_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_invitation_token_hash")),
    )
    with op.batch_alter_table("portal_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_invitation_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_invitation_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    op.drop_table("portal_invitation")
    op.drop_table("patient_account")
