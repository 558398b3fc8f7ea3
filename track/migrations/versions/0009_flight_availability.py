"""flight_availability: track's copy of ticket's free seats per flight and cabin, fed
by ``availability_changed`` and repaired by a timer, so search never asks ticket.

Existing flights start from their seat layout (every seat free, version 0): the repair
timer's first run (AVAILABILITY_REPAIR_SECONDS after track starts) brings ticket's
counts for every future flight.

Revision ID: 0009_flight_availability
Revises: 0008_schedule_conflicts
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0009_flight_availability"
down_revision = "0008_schedule_conflicts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "flight_availability",
        sa.Column("flight_id", UUID(as_uuid=True), sa.ForeignKey("flights.id"), primary_key=True),
        sa.Column("classes", JSONB, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.execute("""
        INSERT INTO flight_availability (flight_id, classes, version)
        SELECT f.id, coalesce((SELECT jsonb_object_agg(c.key, jsonb_build_object('available', c.value))
                               FROM jsonb_each(f.seat_counts) c), '{}'::jsonb), 0
        FROM flights f""")


def downgrade():
    op.drop_table("flight_availability")
