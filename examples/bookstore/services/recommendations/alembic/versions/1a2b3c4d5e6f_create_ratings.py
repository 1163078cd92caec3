"""create ratings

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2026-09-14 10:02:11
"""
import sqlalchemy as sa
from alembic import op

revision = "1a2b3c4d5e6f"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("book_id", sa.BigInteger, nullable=False),
        sa.Column("stars", sa.SmallInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ratings")
