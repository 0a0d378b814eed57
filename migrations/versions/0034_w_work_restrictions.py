"""work restrictions: work_restriction (dated statements of capacity, signed and then immutable) and
return_to_work_step (the graded return-to-work plan's dated steps)

Revision ID: 0034_w_work_restrictions
Revises: 0033_f_forms_queue
Create Date: 2026-12-06 11:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0034_w_work_restrictions"
down_revision = "0033_f_forms_queue"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _common(table: str) -> list:
    return [
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f(f'fk_{table}_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f(f'fk_{table}_episode_id_episode'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f(f'fk_{table}_patient_id_patient'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['app_user.id'], name=op.f(f'fk_{table}_{column}_app_user'))


def upgrade() -> None:
    op.create_table('work_restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('re_evaluate_on', sa.Date(), nullable=False),
    sa.Column('duty_level', sa.String(length=10), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('based_on', JSON, nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    *_common('work_restriction'),
    _user_fk('work_restriction', 'drafted_by_id'),
    _user_fk('work_restriction', 'signed_by_id'),
    sa.ForeignKeyConstraint(['previous_id'], ['work_restriction.id'], name=op.f('fk_work_restriction_previous_id_work_restriction')),
    )
    with op.batch_alter_table('work_restriction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_restriction_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_restriction_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_restriction_previous_id'), ['previous_id'], unique=False)
        batch_op.create_index('ix_work_restriction_episode', ['episode_id', 'issued_on'], unique=False)

    op.create_table('return_to_work_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hours_per_week', sa.Integer(), nullable=True),
    sa.Column('employer_confirmed_on', sa.Date(), nullable=True),
    sa.Column('employer_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('clinician_checked_on', sa.Date(), nullable=True),
    sa.Column('clinician_checked_by_id', sa.Integer(), nullable=True),
    sa.Column('check_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    *_common('return_to_work_step'),
    _user_fk('return_to_work_step', 'employer_confirmed_by_id'),
    _user_fk('return_to_work_step', 'clinician_checked_by_id'),
    _user_fk('return_to_work_step', 'created_by_id'),
    )
    with op.batch_alter_table('return_to_work_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_to_work_step_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_to_work_step_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_return_to_work_step_episode', ['episode_id', 'starts_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_to_work_step', schema=None) as batch_op:
        batch_op.drop_index('ix_return_to_work_step_episode')
        batch_op.drop_index(batch_op.f('ix_return_to_work_step_patient_id'))
        batch_op.drop_index(batch_op.f('ix_return_to_work_step_clinic_id'))
    op.drop_table('return_to_work_step')
    with op.batch_alter_table('work_restriction', schema=None) as batch_op:
        batch_op.drop_index('ix_work_restriction_episode')
        batch_op.drop_index(batch_op.f('ix_work_restriction_previous_id'))
        batch_op.drop_index(batch_op.f('ix_work_restriction_patient_id'))
        batch_op.drop_index(batch_op.f('ix_work_restriction_clinic_id'))
    op.drop_table('work_restriction')
