"""merge charting, instruments and medications

Revision ID: 0010_merge_charting
Revises: 0007_charting_notes, 0008_instrument_administrations, 0009_medication_history
Create Date: 2026-11-29 13:58:06.604809
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0010_merge_charting'
down_revision = ('0007_charting_notes', '0008_instrument_administrations', '0009_medication_history')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
