"""plans: care plans following a pathway, and their steps

Revision ID: 0013_care_plans
Revises: 0012_authorization_cases
Create Date: 2026-11-30 10:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0013_care_plans"
down_revision = "0012_authorization_cases"
branch_labels = ("plans",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "care_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(length=60), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("goals", JSON, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("pivoted_to_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_care_plan_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_care_plan_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_care_plan_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_care_plan_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pivoted_to_id"], ["care_plan.id"], name=op.f("fk_care_plan_pivoted_to_id_care_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan")),
    )
    with op.batch_alter_table("care_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_care_plan_episode_status", ["episode_id", "status"], unique=False)

    op.create_table(
        "care_plan_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("trial_ends_on", sa.Date(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("authorization_case_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["authorization_case_id"], ["authorization_case.id"],
                                name=op.f("fk_care_plan_step_authorization_case_id_authorization_case"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_care_plan_step_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"], name=op.f("fk_care_plan_step_decided_by_id_app_user")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_care_plan_step_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["care_plan.id"], name=op.f("fk_care_plan_step_plan_id_care_plan"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_step")),
    )
    with op.batch_alter_table("care_plan_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_step_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_step_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index("ix_care_plan_step_plan", ["plan_id"], unique=False)
        batch_op.create_index("ix_care_plan_step_status", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("care_plan_step")
    op.drop_table("care_plan")
