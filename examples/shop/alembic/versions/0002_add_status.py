"""add order status, drop notes

Revision ID: 0002
Revises: 0001
Create Date: 2024-04-18 16:40:00

Unsafe on a populated table: NOT NULL column without a server default,
non-concurrent index build, and a column drop.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("status", sa.String(20), nullable=False))
    op.add_column("orders", sa.Column("shipped_at", sa.DateTime(), nullable=True))
    op.create_index("ix_orders_status", "orders", ["status"])
    op.drop_column("orders", "notes")


def downgrade() -> None:
    op.add_column("orders", sa.Column("notes", sa.Text(), nullable=True))
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_column("orders", "shipped_at")
    op.drop_column("orders", "status")
