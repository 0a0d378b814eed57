"""orders: imaging_order, an imaging study ordered here and its loop

Revision ID: 0031_i_imaging_orders
Revises: 0030_b_behavioural_health
Create Date: 2026-12-06 09:47:39
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0031_i_imaging_orders'
down_revision = '0030_b_behavioural_health'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('imaging_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('modality', sa.String(length=20), nullable=False),
    sa.Column('protocol', sa.String(length=300), nullable=False),
    sa.Column('contrast', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=20), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('clinical_question', sa.Text(), nullable=False),
    sa.Column('relevant_history', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('plan_step_row_id', sa.Integer(), nullable=True),
    sa.Column('centre_id', sa.String(length=60), nullable=True),
    sa.Column('ordered_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(), nullable=False),
    sa.Column('send_state', sa.String(length=10), nullable=False),
    sa.Column('send_attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('booked_for', sa.DateTime(), nullable=True),
    sa.Column('booked_minutes', sa.Integer(), nullable=True),
    sa.Column('standing_slot_at', sa.DateTime(), nullable=True),
    sa.Column('booked_at', sa.DateTime(), nullable=True),
    sa.Column('performed_on', sa.Date(), nullable=True),
    sa.Column('study_id', sa.Integer(), nullable=True),
    sa.Column('report_received_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('concordant', sa.String(length=8), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_imaging_order_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_imaging_order_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ordered_by_id'], ['app_user.id'], name=op.f('fk_imaging_order_ordered_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_imaging_order_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_step_row_id'], ['care_plan_step.id'], name=op.f('fk_imaging_order_plan_step_row_id_care_plan_step'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_imaging_order_reviewed_by_id_app_user')),
    sa.ForeignKeyConstraint(['study_id'], ['imaging_study.id'], name=op.f('fk_imaging_order_study_id_imaging_study'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_order')),
    sa.UniqueConstraint('clinic_id', 'centre_id', 'standing_slot_at', name='uq_imaging_order_standing_slot')
    )
    with op.batch_alter_table('imaging_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imaging_order_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index('ix_imaging_order_clinic_status', ['clinic_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_imaging_order_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imaging_order_patient_id'), ['patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('imaging_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imaging_order_patient_id'))
        batch_op.drop_index(batch_op.f('ix_imaging_order_episode_id'))
        batch_op.drop_index('ix_imaging_order_clinic_status')
        batch_op.drop_index(batch_op.f('ix_imaging_order_clinic_id'))

    op.drop_table('imaging_order')
