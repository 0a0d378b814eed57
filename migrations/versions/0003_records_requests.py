"""records upfront: prior providers, records requests, received documents and their stored bytes

Revision ID: 0003_records_requests
Revises: 0002_task_closed_at
Create Date: 2026-11-29 12:47:03.140305
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003_records_requests'
down_revision = '0002_task_closed_at'
branch_labels = ('records',)
depends_on = None


def upgrade() -> None:
    op.create_table('records_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_records_file_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records_file'))
    )
    with op.batch_alter_table('records_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_records_file_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('prior_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('fax', sa.String(length=40), nullable=True),
    sa.Column('direct_address', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_prior_provider_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_prior_provider_episode_id_episode'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_provider'))
    )
    with op.batch_alter_table('prior_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_provider_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prior_provider_episode_id'), ['episode_id'], unique=False)

    op.create_table('records_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('transport', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('authorization_reference', sa.String(length=200), nullable=False),
    sa.Column('authorization_date', sa.Date(), nullable=False),
    sa.Column('requesting_clinician_id', sa.Integer(), nullable=True),
    sa.Column('letter_file_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('failed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('follow_up_count', sa.Integer(), nullable=False),
    sa.Column('follow_ups', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_records_request_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_records_request_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_records_request_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['letter_file_id'], ['records_file.id'], name=op.f('fk_records_request_letter_file_id_records_file')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_records_request_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['prior_provider.id'], name=op.f('fk_records_request_provider_id_prior_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requesting_clinician_id'], ['app_user.id'], name=op.f('fk_records_request_requesting_clinician_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records_request'))
    )
    with op.batch_alter_table('records_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_records_request_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_request_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_request_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_request_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_records_request_retry', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_records_request_state', ['clinic_id', 'status', 'sent_at'], unique=False)

    op.create_table('records_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_records_document_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_records_document_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['records_file.id'], name=op.f('fk_records_document_file_id_records_file')),
    sa.ForeignKeyConstraint(['request_id'], ['records_request.id'], name=op.f('fk_records_document_request_id_records_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], name=op.f('fk_records_document_uploaded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records_document'))
    )
    with op.batch_alter_table('records_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_records_document_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_document_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_document_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('records_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_records_document_request_id'))
        batch_op.drop_index(batch_op.f('ix_records_document_episode_id'))
        batch_op.drop_index(batch_op.f('ix_records_document_clinic_id'))

    op.drop_table('records_document')
    with op.batch_alter_table('records_request', schema=None) as batch_op:
        batch_op.drop_index('ix_records_request_state')
        batch_op.drop_index('ix_records_request_retry')
        batch_op.drop_index(batch_op.f('ix_records_request_provider_id'))
        batch_op.drop_index(batch_op.f('ix_records_request_patient_id'))
        batch_op.drop_index(batch_op.f('ix_records_request_episode_id'))
        batch_op.drop_index(batch_op.f('ix_records_request_clinic_id'))

    op.drop_table('records_request')
    with op.batch_alter_table('prior_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_provider_episode_id'))
        batch_op.drop_index(batch_op.f('ix_prior_provider_clinic_id'))

    op.drop_table('prior_provider')
    with op.batch_alter_table('records_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_records_file_clinic_id'))

    op.drop_table('records_file')
