"""medications: planned trials (target, titration, checks, evaluation) and opioid tapers (dated steps)

Revision ID: 0017_trial_targets_tapers
Revises: 0015_merge_plans_therapy
Create Date: 2026-11-29 17:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql


revision = "0017_trial_targets_tapers"
down_revision = "0015_merge_plans_therapy"
branch_labels = ("tapers",)
depends_on = None


def upgrade() -> None:
    op.create_table('opioid_taper_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('original_mme', sa.Float(), nullable=False),
    sa.Column('target_mme', sa.Float(), nullable=False),
    sa.Column('rate', sa.String(length=30), nullable=False),
    sa.Column('percent_per_step', sa.Float(), nullable=False),
    sa.Column('rate_words', sa.Text(), nullable=False),
    sa.Column('rate_source', sa.Text(), nullable=False),
    sa.Column('faster_reason', sa.Text(), nullable=True),
    sa.Column('factor_set', sa.String(length=40), nullable=False),
    sa.Column('regimen', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('pause_reason', sa.Text(), nullable=True),
    sa.Column('paused_days', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_opioid_taper_plan_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_opioid_taper_plan_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_opioid_taper_plan_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_opioid_taper_plan_patient_id_patient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opioid_taper_plan'))
    )
    with op.batch_alter_table('opioid_taper_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opioid_taper_plan_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opioid_taper_plan_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opioid_taper_plan_patient_id'), ['patient_id'], unique=False)

    op.create_table('medication_trial_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trial_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('drug_key', sa.String(length=60), nullable=False),
    sa.Column('target_daily_mg', sa.Float(), nullable=False),
    sa.Column('target_dose_words', sa.String(length=200), nullable=False),
    sa.Column('target_reached_on', sa.Date(), nullable=False),
    sa.Column('evaluation_on', sa.Date(), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=True),
    sa.Column('success_text', sa.Text(), nullable=False),
    sa.Column('success_measures', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_trial_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_medication_trial_plan_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_medication_trial_plan_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_medication_trial_plan_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_medication_trial_plan_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trial_id'], ['medication_trial.id'], name=op.f('fk_medication_trial_plan_trial_id_medication_trial'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_trial_plan')),
    sa.UniqueConstraint('trial_id', name=op.f('uq_medication_trial_plan_trial_id'))
    )
    with op.batch_alter_table('medication_trial_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medication_trial_plan_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_trial_plan_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_trial_plan_patient_id'), ['patient_id'], unique=False)

    op.create_table('opioid_taper_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('regimen_words', sa.Text(), nullable=True),
    sa.Column('lines', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('daily_mme', sa.Float(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_opioid_taper_step_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['done_by_id'], ['app_user.id'], name=op.f('fk_opioid_taper_step_done_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_opioid_taper_step_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_opioid_taper_step_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['opioid_taper_plan.id'], name=op.f('fk_opioid_taper_step_plan_id_opioid_taper_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opioid_taper_step'))
    )
    with op.batch_alter_table('opioid_taper_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opioid_taper_step_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opioid_taper_step_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index('ix_opioid_taper_step_plan_due', ['plan_id', 'due_on'], unique=False)

    op.create_table('medication_trial_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('daily_mg', sa.Float(), nullable=True),
    sa.Column('check_id', sa.String(length=60), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_medication_trial_plan_item_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['done_by_id'], ['app_user.id'], name=op.f('fk_medication_trial_plan_item_done_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_medication_trial_plan_item_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_medication_trial_plan_item_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['medication_trial_plan.id'], name=op.f('fk_medication_trial_plan_item_plan_id_medication_trial_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medication_trial_plan_item'))
    )
    with op.batch_alter_table('medication_trial_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medication_trial_plan_item_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medication_trial_plan_item_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index('ix_trial_plan_item_plan_due', ['plan_id', 'due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('medication_trial_plan_item', schema=None) as batch_op:
        batch_op.drop_index('ix_trial_plan_item_plan_due')
        batch_op.drop_index(batch_op.f('ix_medication_trial_plan_item_episode_id'))
        batch_op.drop_index(batch_op.f('ix_medication_trial_plan_item_clinic_id'))

    op.drop_table('medication_trial_plan_item')
    with op.batch_alter_table('opioid_taper_step', schema=None) as batch_op:
        batch_op.drop_index('ix_opioid_taper_step_plan_due')
        batch_op.drop_index(batch_op.f('ix_opioid_taper_step_episode_id'))
        batch_op.drop_index(batch_op.f('ix_opioid_taper_step_clinic_id'))

    op.drop_table('opioid_taper_step')
    with op.batch_alter_table('medication_trial_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medication_trial_plan_patient_id'))
        batch_op.drop_index(batch_op.f('ix_medication_trial_plan_episode_id'))
        batch_op.drop_index(batch_op.f('ix_medication_trial_plan_clinic_id'))

    op.drop_table('medication_trial_plan')
    with op.batch_alter_table('opioid_taper_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opioid_taper_plan_patient_id'))
        batch_op.drop_index(batch_op.f('ix_opioid_taper_plan_episode_id'))
        batch_op.drop_index(batch_op.f('ix_opioid_taper_plan_clinic_id'))

    op.drop_table('opioid_taper_plan')
