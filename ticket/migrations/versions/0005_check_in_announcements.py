"""check_in_announcements: the bookings told that check-in is open

Revises: 0004_check_in
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_check_in_announcements"
down_revision = "0004_check_in"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "check_in_announcements",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("flight_id", sa.String(64), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_check_in_announcements_unpublished", "check_in_announcements", ["claimed_at"],
                    postgresql_where=sa.text("published_at IS NULL"))


def downgrade():
    op.drop_table("check_in_announcements")
