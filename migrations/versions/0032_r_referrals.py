"""referrals: receiving_practice (the clinic's directory of specialists) and referral, with a date per state of its loop

Revision ID: 0032_r_referrals
Revises: 0031_i_imaging_orders
Create Date: 2026-12-06 10:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0032_r_referrals"
down_revision = "0031_i_imaging_orders"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('receiving_practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('specialties', JSON, nullable=False),
    sa.Column('clinician_name', sa.String(length=200), nullable=True),
    sa.Column('fax', sa.String(length=40), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('direct_address', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_receiving_practice_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_practice'))
    )
    with op.batch_alter_table('receiving_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receiving_practice_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('specialty', sa.String(length=60), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('records', JSON, nullable=False),
    sa.Column('plan_step_row_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('transport', sa.String(length=10), nullable=True),
    sa.Column('transmission', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_on', sa.Date(), nullable=True),
    sa.Column('appointment_on', sa.Date(), nullable=True),
    sa.Column('seen_on', sa.Date(), nullable=True),
    sa.Column('consult_note_on', sa.Date(), nullable=True),
    sa.Column('consult_summary', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('plan_adjustment', sa.Text(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state_since', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_referral_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], name=op.f('fk_referral_closed_by_id_app_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_referral_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_referral_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_referral_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_step_row_id'], ['care_plan_step.id'], name=op.f('fk_referral_plan_step_row_id_care_plan_step'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['receiving_practice.id'], name=op.f('fk_referral_practice_id_receiving_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_plan_step_row_id'), ['plan_step_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index('ix_referral_retry', ['transmission', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_referral_state', ['clinic_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_state')
        batch_op.drop_index('ix_referral_retry')
        batch_op.drop_index(batch_op.f('ix_referral_practice_id'))
        batch_op.drop_index(batch_op.f('ix_referral_plan_step_row_id'))
        batch_op.drop_index(batch_op.f('ix_referral_patient_id'))
        batch_op.drop_index(batch_op.f('ix_referral_episode_id'))
        batch_op.drop_index(batch_op.f('ix_referral_clinic_id'))

    op.drop_table('referral')
    with op.batch_alter_table('receiving_practice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receiving_practice_clinic_id'))

    op.drop_table('receiving_practice')
