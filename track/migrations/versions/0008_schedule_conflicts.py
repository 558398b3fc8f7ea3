"""Knock-on conflicts of delays, for the admins (GET /admin/conflicts).

Revision ID: 0008_schedule_conflicts
Revises: 0007_standard_seat_choice
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0008_schedule_conflicts"
down_revision = "0007_standard_seat_choice"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "schedule_conflicts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("flight_id", UUID(as_uuid=True), nullable=False),
        sa.Column("flight_number", sa.String(8), nullable=False),
        sa.Column("airplane_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("details", JSONB, nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("flight_id", "kind", "subject", name="uq_schedule_conflicts_subject"),
    )


def downgrade():
    op.drop_table("schedule_conflicts")
