"""performed procedures with relief reports, conservative-care history, imaging studies

Revision ID: 0011_procedure_care_imaging
Revises: 0010_merge_charting
Create Date: 2026-11-29 16:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0011_procedure_care_imaging"
down_revision = "0010_merge_charting"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _common(table: str) -> list:
    """Who recorded it, when, the clinic, and the timestamps every clinical row carries."""
    return [
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f(f"fk_{table}_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f(f"fk_{table}_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f(f"fk_{table}_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _patient_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f(f"fk_{table}_patient_id_patient"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "performed_procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("procedure_key", sa.String(length=60), nullable=False),
        sa.Column("procedure_name", sa.String(length=200), nullable=False),
        sa.Column("cpt_codes", JSON, nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("levels", JSON, nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("diagnostic", sa.Boolean(), nullable=False),
        sa.Column("baseline_pain", sa.Float(), nullable=True),
        sa.Column("baseline_scale", sa.String(length=10), nullable=True),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("spacing_exception", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_common("performed_procedure"),
        _patient_fk("performed_procedure"),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"], name=op.f("fk_performed_procedure_encounter_id_encounter"), ondelete="SET NULL"),
    )
    with op.batch_alter_table("performed_procedure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performed_procedure_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_performed_procedure_episode_date", ["episode_id", "performed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_performed_procedure_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "procedure_relief",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("pain_score", sa.Float(), nullable=True),
        sa.Column("scale", sa.String(length=10), nullable=False),
        sa.Column("hours_after", sa.Float(), nullable=True),
        sa.Column("lasted_days", sa.Integer(), nullable=True),
        *_common("procedure_relief"),
        sa.ForeignKeyConstraint(["procedure_id"], ["performed_procedure.id"],
                                name=op.f("fk_procedure_relief_procedure_id_performed_procedure"), ondelete="CASCADE"),
    )
    with op.batch_alter_table("procedure_relief", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_relief_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_procedure_relief_episode", ["episode_id", "measured_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_procedure_relief_procedure_id"), ["procedure_id"], unique=False)

    op.create_table(
        "conservative_care",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("drug_class", sa.String(length=40), nullable=True),
        sa.Column("failed", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_common("conservative_care"),
        _patient_fk("conservative_care"),
    )
    with op.batch_alter_table("conservative_care", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conservative_care_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_conservative_care_episode_start", ["episode_id", "start_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_conservative_care_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "imaging_study",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("study", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("report_on_file", sa.Boolean(), nullable=False),
        sa.Column("records_request_id", sa.Integer(), nullable=True),
        sa.Column("concordant", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_common("imaging_study"),
        _patient_fk("imaging_study"),
        sa.ForeignKeyConstraint(["records_request_id"], ["records_request.id"],
                                name=op.f("fk_imaging_study_records_request_id_records_request"), ondelete="SET NULL"),
    )
    with op.batch_alter_table("imaging_study", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imaging_study_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_imaging_study_episode_date", ["episode_id", "performed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_imaging_study_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("imaging_study", ("ix_imaging_study_patient_id", "ix_imaging_study_episode_date", "ix_imaging_study_clinic_id")),
        ("conservative_care", ("ix_conservative_care_patient_id", "ix_conservative_care_episode_start", "ix_conservative_care_clinic_id")),
        ("procedure_relief", ("ix_procedure_relief_procedure_id", "ix_procedure_relief_episode", "ix_procedure_relief_clinic_id")),
        ("performed_procedure", ("ix_performed_procedure_patient_id", "ix_performed_procedure_episode_date", "ix_performed_procedure_clinic_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
