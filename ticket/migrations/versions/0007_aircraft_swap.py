"""Aircraft swap: the airplane each flight's seats were built for, and an outbox for the
events a swap decides (bookings displaced or re-seated).

Revision ID: 0007_aircraft_swap
Revises: 0006_refund_amount
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_aircraft_swap"
down_revision = "0006_refund_amount"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("flights", sa.Column("airplane_id", sa.String(36)))
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL"))


def downgrade():
    op.drop_table("outbox")
    op.drop_column("flights", "airplane_id")
