"""imported records: record_import and imported_fact (FHIR bundles / NDJSON filed onto an episode)

Revision ID: 0004_imported_records
Revises: 0002_task_closed_at
Create Date: 2026-11-29 13:05:00.000000
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0004_imported_records"
down_revision = "0002_task_closed_at"
branch_labels = ("imports",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "record_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("source_filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("bundle_type", sa.String(length=20), nullable=True),
        sa.Column("imported_by_user_id", sa.Integer(), nullable=True),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("resources_read", sa.Integer(), nullable=False),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("skipped", _JSON, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_record_import_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_record_import_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["imported_by_user_id"], ["app_user.id"], name=op.f("fk_record_import_imported_by_user_id_app_user")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_record_import_patient_id_patient"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_import")),
        sa.UniqueConstraint("episode_id", "sha256", name="uq_record_import_episode_sha256"),
    )
    with op.batch_alter_table("record_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_import_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_import_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_import_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "imported_fact",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("fhir_id", sa.String(length=64), nullable=True),
        sa.Column("code_system", sa.String(length=255), nullable=True),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("display", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=60), nullable=True),
        sa.Column("full_url", sa.Text(), nullable=True),
        sa.Column("meta_source", sa.Text(), nullable=True),
        sa.Column("source_location", sa.String(length=300), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_imported_fact_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_imported_fact_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["record_import.id"], name=op.f("fk_imported_fact_import_id_record_import"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_imported_fact_patient_id_patient"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_fact")),
    )
    with op.batch_alter_table("imported_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_fact_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_imported_fact_episode_category", ["episode_id", "category", "effective_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_fact_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_fact_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_fact_patient_id"))
        batch_op.drop_index(batch_op.f("ix_imported_fact_import_id"))
        batch_op.drop_index("ix_imported_fact_episode_category")
        batch_op.drop_index(batch_op.f("ix_imported_fact_clinic_id"))
    op.drop_table("imported_fact")
    with op.batch_alter_table("record_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_import_patient_id"))
        batch_op.drop_index(batch_op.f("ix_record_import_episode_id"))
        batch_op.drop_index(batch_op.f("ix_record_import_clinic_id"))
    op.drop_table("record_import")
