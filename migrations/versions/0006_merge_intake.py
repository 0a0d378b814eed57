"""merge intake, records and imports

Revision ID: 0006_merge_intake
Revises: 0003_records_requests, 0004_imported_records, 0005_intake
Create Date: 2026-11-29 13:24:11.470882
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006_merge_intake'
down_revision = ('0003_records_requests', '0004_imported_records', '0005_intake')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
