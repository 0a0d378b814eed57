"""portal: portal_shared_document (documents the clinic shares with the patient: the plan, a taper schedule)

Revision ID: 0040_d_portal_documents
Revises: 0039_a_portal_invitation_sending
Create Date: 2026-12-06 13:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0040_d_portal_documents"
down_revision = "0039_a_portal_invitation_sending"  # after the check-ins (merged in this branch); the lead renumbers
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_shared_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.Integer(), nullable=False),
        sa.Column("shared_by_user_id", sa.Integer(), nullable=True),
        sa.Column("shared_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_portal_shared_document_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_portal_shared_document_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_portal_shared_document_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shared_by_user_id"], ["app_user.id"], name=op.f("fk_portal_shared_document_shared_by_user_id_app_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["withdrawn_by_user_id"], ["app_user.id"],
                                name=op.f("fk_portal_shared_document_withdrawn_by_user_id_app_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_shared_document")),
    )
    with op.batch_alter_table("portal_shared_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_shared_document_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_shared_document_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_shared_document_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    op.drop_table("portal_shared_document")
