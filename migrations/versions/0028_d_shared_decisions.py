"""plans: shared_decision, the options discussed with the patient at a pathway step and the choice

Revision ID: 0028_d_shared_decisions
Revises: 0027_p_pain_diagram
Create Date: 2026-12-06 07:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0028_d_shared_decisions"
down_revision = "0027_p_pain_diagram"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "shared_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=60), nullable=False),
        sa.Column("step_id", sa.String(length=60), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("options_discussed", JSON, nullable=False),
        sa.Column("risks_discussed", JSON, nullable=False),
        sa.Column("patient_questions", sa.Text(), nullable=True),
        sa.Column("choice", sa.String(length=60), nullable=True),
        sa.Column("discussed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_shared_decision_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_shared_decision_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_shared_decision_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_shared_decision_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_decision")),
        sa.UniqueConstraint("episode_id", "pathway_id", "step_id", name="uq_shared_decision_episode_step"),
    )
    with op.batch_alter_table("shared_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_decision_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shared_decision_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shared_decision_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shared_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_decision_patient_id"))
        batch_op.drop_index(batch_op.f("ix_shared_decision_episode_id"))
        batch_op.drop_index(batch_op.f("ix_shared_decision_clinic_id"))
    op.drop_table("shared_decision")
