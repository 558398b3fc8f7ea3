"""Fare families: a catalogue of families (light, standard, flex) whose rules are data,
and every flight's prices per cabin per family.

``flights.fares`` stays the standard price per cabin (what ticket prices its seats at and
what ``flight_scheduled`` carries); ``flights.fares_by_family`` holds every family's price,
``{cabin: {family: amount}}``. Flights scheduled before this revision sold one price per
cabin: that price becomes their standard fare.

Fees are shares (percent) of the fare paid, not amounts: the same rule then holds for
flights priced in any currency.

Revision ID: 0006_fare_families
Revises: 0005_airport_search
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_fare_families"
down_revision = "0005_airport_search"
branch_labels = None
depends_on = None

FAMILIES = [
    {"code": "light", "name": "Light", "rank": 1, "refundable": False, "refund_fee_percent": 100,
     "changeable": False, "change_fee_percent": 100, "free_seat_choice": False, "checked_bag_kg": 0},
    {"code": "standard", "name": "Standard", "rank": 2, "refundable": True, "refund_fee_percent": 25,
     "changeable": True, "change_fee_percent": 10, "free_seat_choice": False, "checked_bag_kg": 20},
    {"code": "flex", "name": "Flex", "rank": 3, "refundable": True, "refund_fee_percent": 0,
     "changeable": True, "change_fee_percent": 0, "free_seat_choice": True, "checked_bag_kg": 30},
]


def upgrade():
    families = op.create_table(
        "fare_families",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
        sa.Column("refundable", sa.Boolean, nullable=False),
        sa.Column("refund_fee_percent", sa.SmallInteger, nullable=False),
        sa.Column("changeable", sa.Boolean, nullable=False),
        sa.Column("change_fee_percent", sa.SmallInteger, nullable=False),
        sa.Column("free_seat_choice", sa.Boolean, nullable=False),
        sa.Column("checked_bag_kg", sa.SmallInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("rank", name="uq_fare_families_rank"),
        sa.CheckConstraint("refund_fee_percent BETWEEN 0 AND 100", name="ck_fare_families_refund_fee"),
        sa.CheckConstraint("change_fee_percent BETWEEN 0 AND 100", name="ck_fare_families_change_fee"),
        sa.CheckConstraint("checked_bag_kg >= 0", name="ck_fare_families_bag"),
    )
    op.bulk_insert(families, FAMILIES)
    op.add_column("flights", sa.Column("fares_by_family", JSONB, nullable=True))
    op.execute("""
        UPDATE flights SET fares_by_family = (
            SELECT jsonb_object_agg(cabin, jsonb_build_object('standard', amount))
            FROM jsonb_each(fares) AS cabin_fares(cabin, amount))
    """)
    op.alter_column("flights", "fares_by_family", nullable=False)
    # trip search: the first leg of a connection, any destination from the origin on a day
    op.create_index("ix_flights_origin_departure", "flights", ["origin", "departure_at"])


def downgrade():
    op.drop_index("ix_flights_origin_departure", table_name="flights")
    op.drop_column("flights", "fares_by_family")
    op.drop_table("fare_families")
