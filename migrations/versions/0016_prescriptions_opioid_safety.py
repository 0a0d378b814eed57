"""medications: prescriptions (with dose changes) and the opioid-safety facts: treatment agreements, PDMP
checks, urine drug tests, naloxone offers. MME and every due date are computed on read, never stored.

Revision ID: 0016_prescriptions_opioid_safety
Revises: 0015_merge_plans_therapy
Create Date: 2026-11-29 17:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = "0016_prescriptions_opioid_safety"
down_revision = "0015_merge_plans_therapy"
branch_labels = ("opioid_safety",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('medication_prescription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug_key', sa.String(length=60), nullable=False),
    sa.Column('drug_name', sa.String(length=200), nullable=False),
    sa.Column('rxnorm_code', sa.String(length=20), nullable=True),
    sa.Column('drug_class', sa.String(length=40), nullable=False),
    sa.Column('strength', sa.Float(), nullable=False),
    sa.Column('strength_unit', sa.String(length=10), nullable=False),
    sa.Column('dose_units', sa.Float(), nullable=False),
    sa.Column('times_per_day', sa.Float(), nullable=True),
    sa.Column('interval_hours', sa.Float(), nullable=True),
    sa.Column('as_needed', sa.Boolean(), nullable=False),
    sa.Column('prn_max_per_day', sa.Float(), nullable=True),
    sa.Column('form', sa.String(length=30), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('days_supply', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('stop_reason', sa.Text(), nullable=True),
    sa.Column('prescriber_id', sa.Integer(), nullable=False),
    sa.Column('is_opioid', sa.Boolean(), nullable=False),
    sa.Column('is_benzodiazepine', sa.Boolean(), nullable=False),
    sa.Column('is_gabapentinoid', sa.Boolean(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_medication_prescription_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_medication_prescription_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_medication_prescription_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prescriber_id'], ['app_user.id'], name=op.f('fk_medication_prescription_prescriber_id_app_user')),
    sa.ForeignKeyConstraint(['previous_id'], ['medication_prescription.id'], name=op.f('fk_medication_prescription_previous_id_medication_prescription')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_medication_prescription_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_prescription'))
    )
    with op.batch_alter_table('medication_prescription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medication_prescription_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index('ix_medication_prescription_episode_start', ['episode_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_prescription_patient_id'), ['patient_id'], unique=False)
    op.create_table('naloxone_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_naloxone_offer_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_naloxone_offer_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_naloxone_offer_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_naloxone_offer_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_offer'))
    )
    with op.batch_alter_table('naloxone_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_naloxone_offer_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_naloxone_offer_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_naloxone_offer_patient_id'), ['patient_id'], unique=False)
    op.create_table('opioid_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_opioid_agreement_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['clinician_id'], ['app_user.id'], name=op.f('fk_opioid_agreement_clinician_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_opioid_agreement_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_opioid_agreement_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_opioid_agreement_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opioid_agreement'))
    )
    with op.batch_alter_table('opioid_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opioid_agreement_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opioid_agreement_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opioid_agreement_patient_id'), ['patient_id'], unique=False)
    op.create_table('pdmp_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('findings', JSON, nullable=False),
    sa.Column('plugin', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['app_user.id'], name=op.f('fk_pdmp_check_checked_by_id_app_user')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_pdmp_check_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_pdmp_check_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_pdmp_check_patient_id_patient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pdmp_check'))
    )
    with op.batch_alter_table('pdmp_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pdmp_check_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pdmp_check_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pdmp_check_patient_id'), ['patient_id'], unique=False)
    op.create_table('urine_drug_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('collected_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('unexpected_findings', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_urine_drug_test_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_urine_drug_test_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_urine_drug_test_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_urine_drug_test_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urine_drug_test'))
    )
    with op.batch_alter_table('urine_drug_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urine_drug_test_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urine_drug_test_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urine_drug_test_patient_id'), ['patient_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('urine_drug_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_urine_drug_test_patient_id'))
        batch_op.drop_index(batch_op.f('ix_urine_drug_test_episode_id'))
        batch_op.drop_index(batch_op.f('ix_urine_drug_test_clinic_id'))
    op.drop_table('urine_drug_test')
    with op.batch_alter_table('pdmp_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdmp_check_patient_id'))
        batch_op.drop_index(batch_op.f('ix_pdmp_check_episode_id'))
        batch_op.drop_index(batch_op.f('ix_pdmp_check_clinic_id'))
    op.drop_table('pdmp_check')
    with op.batch_alter_table('opioid_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opioid_agreement_patient_id'))
        batch_op.drop_index(batch_op.f('ix_opioid_agreement_episode_id'))
        batch_op.drop_index(batch_op.f('ix_opioid_agreement_clinic_id'))
    op.drop_table('opioid_agreement')
    with op.batch_alter_table('naloxone_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naloxone_offer_patient_id'))
        batch_op.drop_index(batch_op.f('ix_naloxone_offer_episode_id'))
        batch_op.drop_index(batch_op.f('ix_naloxone_offer_clinic_id'))
    op.drop_table('naloxone_offer')
    with op.batch_alter_table('medication_prescription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medication_prescription_patient_id'))
        batch_op.drop_index('ix_medication_prescription_episode_start')
        batch_op.drop_index(batch_op.f('ix_medication_prescription_clinic_id'))
    op.drop_table('medication_prescription')
