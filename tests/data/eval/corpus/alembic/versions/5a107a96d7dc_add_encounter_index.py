"""add encounter index

Revision ID: 5a107a96d7dc
Revises: 934e8690c4a0
Create Date: 2024-02-03 11:22:33.123456
"""
from alembic import op

revision = "5a107a96d7dc"
down_revision = "934e8690c4a0"


def upgrade():
    op.create_index("ix_encounter_admitted", "encounter", ["admitted_at"])
