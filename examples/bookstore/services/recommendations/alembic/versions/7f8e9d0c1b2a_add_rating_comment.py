"""add rating comment

Revision ID: 7f8e9d0c1b2a
Revises: 1a2b3c4d5e6f
Create Date: 2026-10-02 16:40:55
"""
import sqlalchemy as sa
from alembic import op

revision = "7f8e9d0c1b2a"
down_revision = "1a2b3c4d5e6f"


def upgrade() -> None:
    op.add_column("ratings", sa.Column("comment", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("ratings", "comment")
