"""Airports and flights.

Revision ID: 0001_flights
Revises:
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001_flights"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "airports",
        sa.Column("code", sa.String(3), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("city", sa.String(128), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
    )
    op.create_table(
        "flights",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("flight_number", sa.String(8), nullable=False),
        sa.Column("airplane_id", sa.String(36), nullable=False),
        sa.Column("origin", sa.String(3), sa.ForeignKey("airports.code"), nullable=False),
        sa.Column("destination", sa.String(3), sa.ForeignKey("airports.code"), nullable=False),
        sa.Column("departure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fares", JSONB, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("seat_counts", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("flight_number", "departure_at", name="uq_flights_number_departure"),
        sa.CheckConstraint("arrival_at > departure_at", name="ck_flights_arrival_after_departure"),
        sa.CheckConstraint("origin <> destination", name="ck_flights_distinct_airports"),
    )
    op.create_index("ix_flights_route_departure", "flights", ["origin", "destination", "departure_at", "id"])
    op.create_index("ix_flights_airplane_departure", "flights", ["airplane_id", "departure_at"])


def downgrade():
    op.drop_table("flights")
    op.drop_table("airports")
