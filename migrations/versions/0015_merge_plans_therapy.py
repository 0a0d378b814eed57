"""merge care plans and therapy

Revision ID: 0015_merge_plans_therapy
Revises: 0013_care_plans, 0014_therapy
Create Date: 2026-11-29 16:20:00
"""
from __future__ import annotations


revision = "0015_merge_plans_therapy"
down_revision = ("0013_care_plans", "0014_therapy")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
