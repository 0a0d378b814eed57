"""charting.behavioural: behavioural_offer (an offer after a score crossed its threshold, and the answer);
plans: care_plan_support_item (support strategies on the care plan)

Revision ID: 0030_b_behavioural_health
Revises: 0029_s_pt_protocol_switch
Create Date: 2026-12-06 10:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0030_b_behavioural_health"
down_revision = "0029_s_pt_protocol_switch"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "behavioural_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=60), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=True),
        sa.Column("score_on", sa.Date(), nullable=False),
        sa.Column("score_total", sa.Float(), nullable=False),
        sa.Column("offer", sa.String(length=60), nullable=False),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("offered_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_behavioural_offer_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_behavioural_offer_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_behavioural_offer_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["offered_by_id"], ["app_user.id"], name=op.f("fk_behavioural_offer_offered_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_behavioural_offer")),
    )
    with op.batch_alter_table("behavioural_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_behavioural_offer_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_behavioural_offer_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_behavioural_offer_episode_score", ["episode_id", "instrument_id", "score_on"], unique=False)

    op.create_table(
        "care_plan_support_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_care_plan_support_item_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["episode_id"], ["episode.id"], name=op.f("fk_care_plan_support_item_episode_id_episode"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_care_plan_support_item_patient_id_patient"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["added_by_id"], ["app_user.id"], name=op.f("fk_care_plan_support_item_added_by_id_app_user")),
        sa.ForeignKeyConstraint(["removed_by_id"], ["app_user.id"], name=op.f("fk_care_plan_support_item_removed_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_support_item")),
    )
    with op.batch_alter_table("care_plan_support_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_support_item_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_plan_support_item_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index("ix_care_plan_support_item_episode", ["episode_id", "removed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("care_plan_support_item", schema=None) as batch_op:
        batch_op.drop_index("ix_care_plan_support_item_episode")
        batch_op.drop_index(batch_op.f("ix_care_plan_support_item_patient_id"))
        batch_op.drop_index(batch_op.f("ix_care_plan_support_item_clinic_id"))
    op.drop_table("care_plan_support_item")
    with op.batch_alter_table("behavioural_offer", schema=None) as batch_op:
        batch_op.drop_index("ix_behavioural_offer_episode_score")
        batch_op.drop_index(batch_op.f("ix_behavioural_offer_patient_id"))
        batch_op.drop_index(batch_op.f("ix_behavioural_offer_clinic_id"))
    op.drop_table("behavioural_offer")
