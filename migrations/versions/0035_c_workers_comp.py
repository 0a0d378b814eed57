"""workers' compensation: the episode's claim (carrier, adjuster, nurse case manager, work status), independent medical evaluations, progress reports

Revision ID: 0035_c_workers_comp
Revises: 0034_w_work_restrictions
Create Date: 2026-12-06 10:49:16.763654
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0035_c_workers_comp"
down_revision = "0034_w_work_restrictions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workcomp_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('claim_number', sa.String(length=60), nullable=False),
    sa.Column('injury_date', sa.Date(), nullable=False),
    sa.Column('mechanism', sa.Text(), nullable=False),
    sa.Column('body_parts', sa.String(length=300), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('employer_contact', sa.String(length=300), nullable=True),
    sa.Column('carrier_payer_id', sa.String(length=60), nullable=False),
    sa.Column('adjuster_name', sa.String(length=160), nullable=True),
    sa.Column('adjuster_phone', sa.String(length=40), nullable=True),
    sa.Column('adjuster_email', sa.String(length=200), nullable=True),
    sa.Column('adjuster_fax', sa.String(length=40), nullable=True),
    sa.Column('nurse_case_manager_name', sa.String(length=160), nullable=True),
    sa.Column('nurse_case_manager_phone', sa.String(length=40), nullable=True),
    sa.Column('nurse_case_manager_email', sa.String(length=200), nullable=True),
    sa.Column('nurse_case_manager_fax', sa.String(length=40), nullable=True),
    sa.Column('work_status', sa.String(length=20), nullable=True),
    sa.Column('work_status_note', sa.Text(), nullable=True),
    sa.Column('return_to_work_on', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_workcomp_claim_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_workcomp_claim_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_workcomp_claim_patient_id_patient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workcomp_claim')),
    sa.UniqueConstraint('episode_id', name='uq_workcomp_claim_episode')
    )
    with op.batch_alter_table('workcomp_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workcomp_claim_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_claim_patient_id'), ['patient_id'], unique=False)

    op.create_table('workcomp_ime',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('examiner', sa.String(length=200), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('agreement', sa.String(length=12), nullable=True),
    sa.Column('disagreement', sa.Text(), nullable=True),
    sa.Column('findings_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('rebuttal_text', sa.Text(), nullable=True),
    sa.Column('rebuttal_at', sa.DateTime(), nullable=True),
    sa.Column('rebuttal_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['workcomp_claim.id'], name=op.f('fk_workcomp_ime_claim_id_workcomp_claim'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_workcomp_ime_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_workcomp_ime_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_workcomp_ime_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_workcomp_ime_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workcomp_ime'))
    )
    with op.batch_alter_table('workcomp_ime', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workcomp_ime_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_ime_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_ime_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_ime_patient_id'), ['patient_id'], unique=False)

    op.create_table('workcomp_progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('contents', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['workcomp_claim.id'], name=op.f('fk_workcomp_progress_report_claim_id_workcomp_claim'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_workcomp_progress_report_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_workcomp_progress_report_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_workcomp_progress_report_patient_id_patient'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['generated_by_id'], ['app_user.id'], name=op.f('fk_workcomp_progress_report_generated_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workcomp_progress_report'))
    )
    with op.batch_alter_table('workcomp_progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workcomp_progress_report_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_progress_report_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_progress_report_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workcomp_progress_report_patient_id'), ['patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workcomp_progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workcomp_progress_report_patient_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_progress_report_episode_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_progress_report_clinic_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_progress_report_claim_id'))

    op.drop_table('workcomp_progress_report')
    with op.batch_alter_table('workcomp_ime', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workcomp_ime_patient_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_ime_episode_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_ime_clinic_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_ime_claim_id'))

    op.drop_table('workcomp_ime')
    with op.batch_alter_table('workcomp_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workcomp_claim_patient_id'))
        batch_op.drop_index(batch_op.f('ix_workcomp_claim_clinic_id'))

    op.drop_table('workcomp_claim')
