"""The times a flight was scheduled at, kept when a delay moves its current times;
indexes for the airport boards and for status by flight number.

``departure_at`` / ``arrival_at`` stay the flight's current (estimated) times, which
search, booking and the airplane's schedule go by; ``scheduled_*`` never change after
scheduling, so a delay is the difference and a board lists a flight on the day it was
scheduled for.

Revision ID: 0004_scheduled_times
Revises: 0003_outbox
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_scheduled_times"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade():
    for column in ("scheduled_departure_at", "scheduled_arrival_at"):
        op.add_column("flights", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    # a flight delayed before this revision shows as on time: its first times were not kept
    op.execute("UPDATE flights SET scheduled_departure_at = departure_at, scheduled_arrival_at = arrival_at")
    for column in ("scheduled_departure_at", "scheduled_arrival_at"):
        op.alter_column("flights", column, nullable=False)
    op.create_index("ix_flights_departures_board", "flights", ["origin", "scheduled_departure_at", "id"])
    op.create_index("ix_flights_arrivals_board", "flights", ["destination", "scheduled_arrival_at", "id"])
    op.create_index("ix_flights_number_scheduled", "flights", ["flight_number", "scheduled_departure_at"])


def downgrade():
    for name in ("ix_flights_number_scheduled", "ix_flights_arrivals_board", "ix_flights_departures_board"):
        op.drop_index(name, table_name="flights")
    op.drop_column("flights", "scheduled_arrival_at")
    op.drop_column("flights", "scheduled_departure_at")
