"""therapy: PT courses, visit authorizations, progress reports, plan-of-care certifications

Revision ID: 0014_therapy
Revises: 0012_authorization_cases
Create Date: 2026-11-30 10:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0014_therapy"
down_revision = "0012_authorization_cases"
branch_labels = ("therapy",)
depends_on = None


def upgrade() -> None:
    op.create_table('pt_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('protocol_id', sa.String(length=80), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('practice_name', sa.String(length=200), nullable=False),
    sa.Column('practice_kind', sa.String(length=10), nullable=False),
    sa.Column('practice_fax', sa.String(length=40), nullable=True),
    sa.Column('frequency_per_week', sa.Integer(), nullable=False),
    sa.Column('duration_weeks', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('medicare_rules', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('prescription_sent_at', sa.DateTime(), nullable=True),
    sa.Column('prescription_sent_to', sa.String(length=200), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_pt_course_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_pt_course_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_pt_course_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_pt_course_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['app_user.id'], name=op.f('fk_pt_course_therapist_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_course'))
    )
    with op.batch_alter_table('pt_course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pt_course_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_course_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_course_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_pt_course_therapist', ['therapist_id', 'status'], unique=False)

    op.create_table('pt_authorization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('visits_approved', sa.Integer(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_to', sa.Date(), nullable=False),
    sa.Column('authorization_number', sa.String(length=80), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('extension_requested_at', sa.DateTime(), nullable=True),
    sa.Column('extension_answered_at', sa.DateTime(), nullable=True),
    sa.Column('extension_outcome', sa.String(length=12), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_pt_authorization_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['course_id'], ['pt_course.id'], name=op.f('fk_pt_authorization_course_id_pt_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_pt_authorization_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_pt_authorization_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_authorization'))
    )
    with op.batch_alter_table('pt_authorization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pt_authorization_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_authorization_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_authorization_episode_id'), ['episode_id'], unique=False)

    op.create_table('pt_plan_certification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('certified_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certified_by_id'], ['app_user.id'], name=op.f('fk_pt_plan_certification_certified_by_id_app_user')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_pt_plan_certification_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['course_id'], ['pt_course.id'], name=op.f('fk_pt_plan_certification_course_id_pt_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_pt_plan_certification_episode_id_episode'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_plan_certification'))
    )
    with op.batch_alter_table('pt_plan_certification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pt_plan_certification_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_plan_certification_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_plan_certification_episode_id'), ['episode_id'], unique=False)

    op.create_table('pt_progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_pt_progress_report_author_id_app_user')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_pt_progress_report_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['course_id'], ['pt_course.id'], name=op.f('fk_pt_progress_report_course_id_pt_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounter.id'], name=op.f('fk_pt_progress_report_encounter_id_encounter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_pt_progress_report_episode_id_episode'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_progress_report'))
    )
    with op.batch_alter_table('pt_progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pt_progress_report_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_progress_report_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pt_progress_report_episode_id'), ['episode_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pt_progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pt_progress_report_episode_id'))
        batch_op.drop_index(batch_op.f('ix_pt_progress_report_course_id'))
        batch_op.drop_index(batch_op.f('ix_pt_progress_report_clinic_id'))

    op.drop_table('pt_progress_report')
    with op.batch_alter_table('pt_plan_certification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pt_plan_certification_episode_id'))
        batch_op.drop_index(batch_op.f('ix_pt_plan_certification_course_id'))
        batch_op.drop_index(batch_op.f('ix_pt_plan_certification_clinic_id'))

    op.drop_table('pt_plan_certification')
    with op.batch_alter_table('pt_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pt_authorization_episode_id'))
        batch_op.drop_index(batch_op.f('ix_pt_authorization_course_id'))
        batch_op.drop_index(batch_op.f('ix_pt_authorization_clinic_id'))

    op.drop_table('pt_authorization')
    with op.batch_alter_table('pt_course', schema=None) as batch_op:
        batch_op.drop_index('ix_pt_course_therapist')
        batch_op.drop_index(batch_op.f('ix_pt_course_patient_id'))
        batch_op.drop_index(batch_op.f('ix_pt_course_episode_id'))
        batch_op.drop_index(batch_op.f('ix_pt_course_clinic_id'))

    op.drop_table('pt_course')
