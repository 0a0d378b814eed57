"""merge prescriptions with opioid safety, and trial targets with tapers

Revision ID: 0018_merge_medications
Revises: 0016_prescriptions_opioid_safety, 0017_trial_targets_tapers
Create Date: 2026-11-29 16:40:00
"""
from __future__ import annotations


revision = "0018_merge_medications"
down_revision = ("0016_prescriptions_opioid_safety", "0017_trial_targets_tapers")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
