"""costs: coverage_benefits (the plan's benefits as facts, one per coverage) and cost_estimate (each estimate given)

Revision ID: 0042_c_costs
Revises: 0041_m_portal_reminders
Create Date: 2026-12-06 14:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0042_c_costs"
down_revision = "0041_m_portal_reminders"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "coverage_benefits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("deductible_cents", sa.Integer(), nullable=True),
        sa.Column("deductible_met_cents", sa.Integer(), nullable=True),
        sa.Column("coinsurance_hundredths", sa.Integer(), nullable=True),
        sa.Column("copay_cents", sa.Integer(), nullable=True),
        sa.Column("oop_max_cents", sa.Integer(), nullable=True),
        sa.Column("oop_met_cents", sa.Integer(), nullable=True),
        sa.Column("in_network", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("verified_how", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_coverage_benefits_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["coverage_id"], ["coverage.id"], name=op.f("fk_coverage_benefits_coverage_id_coverage"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_coverage_benefits_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["verified_by_id"], ["app_user.id"], name=op.f("fk_coverage_benefits_verified_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_benefits")),
        sa.UniqueConstraint("coverage_id", name="uq_coverage_benefits_coverage"),
    )
    with op.batch_alter_table("coverage_benefits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_benefits_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_benefits_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "cost_estimate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("coverage_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.String(length=60), nullable=True),
        sa.Column("procedure_words", sa.Text(), nullable=False),
        sa.Column("cpt_codes", JSON, nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("given_by_id", sa.Integer(), nullable=True),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("lower_cost_site", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_cost_estimate_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_cost_estimate_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_cost_estimate_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coverage_id"], ["coverage.id"], name=op.f("fk_cost_estimate_coverage_id_coverage"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["given_by_id"], ["app_user.id"], name=op.f("fk_cost_estimate_given_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_estimate")),
    )
    with op.batch_alter_table("cost_estimate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_estimate_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cost_estimate_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cost_estimate_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_cost_estimate_clinic_given", ["clinic_id", "given_on"], unique=False)


def downgrade() -> None:
    op.drop_table("cost_estimate")
    op.drop_table("coverage_benefits")
