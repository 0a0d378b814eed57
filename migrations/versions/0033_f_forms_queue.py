"""paperwork: form_request (the forms queue: FMLA and disability forms received, drafted from the chart, signed, sent)

Revision ID: 0033_f_forms_queue
Revises: 0032_r_referrals
Create Date: 2026-12-06 11:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0033_f_forms_queue"
down_revision = "0032_r_referrals"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('form_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.String(length=60), nullable=False),
    sa.Column('requester_kind', sa.String(length=20), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_contact', sa.String(length=200), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('employee_receipt_on', sa.Date(), nullable=True),
    sa.Column('deadline_on', sa.Date(), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('flare_times', sa.Integer(), nullable=True),
    sa.Column('flare_per', sa.String(length=10), nullable=True),
    sa.Column('flare_duration', sa.Integer(), nullable=True),
    sa.Column('flare_unit', sa.String(length=10), nullable=True),
    sa.Column('incapacity', sa.Text(), nullable=True),
    sa.Column('expected_duration', sa.Text(), nullable=True),
    sa.Column('expected_return_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('drafted_at', sa.DateTime(), nullable=True),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('drafted_values', JSON, nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('transport', sa.String(length=10), nullable=True),
    sa.Column('transmission', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state_since', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_form_request_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_form_request_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['app_user.id'], name=op.f('fk_form_request_drafted_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_form_request_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_form_request_owner_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_form_request_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['app_user.id'], name=op.f('fk_form_request_signed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_request'))
    )
    with op.batch_alter_table('form_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_request_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_request_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_request_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_request_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_form_request_state', ['clinic_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_request', schema=None) as batch_op:
        batch_op.drop_index('ix_form_request_state')
        batch_op.drop_index(batch_op.f('ix_form_request_patient_id'))
        batch_op.drop_index(batch_op.f('ix_form_request_owner_id'))
        batch_op.drop_index(batch_op.f('ix_form_request_episode_id'))
        batch_op.drop_index(batch_op.f('ix_form_request_clinic_id'))

    op.drop_table('form_request')
