"""itineraries: an order holds seats on up to four flights; infants' tickets have no seat

- ``order_flights``: the flights of each order (one row per segment), filled for the
  orders already there from ``orders.flight_id``.
- ``tickets.seat`` nullable (an infant travels on an adult's lap); ``tickets.passenger_type``
  (adult, child, infant) and ``tickets.passenger_index`` (the passenger's place in the order).

Revision ID: 0003_itineraries
Revises: 0002
Create Date: 2026-02-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_itineraries"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "order_flights",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("flight_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_order_flights_flight", "order_flights", ["flight_id"])
    op.execute("INSERT INTO order_flights (order_id, flight_id, position) SELECT order_id, flight_id, 0 FROM orders")
    op.alter_column("tickets", "seat", existing_type=sa.String(8), nullable=True)
    op.add_column("tickets", sa.Column("passenger_type", sa.String(8), nullable=False, server_default="adult"))
    op.add_column("tickets", sa.Column("passenger_index", sa.SmallInteger))
    op.create_check_constraint("ck_tickets_passenger_type", "tickets",
                               "passenger_type IN ('adult', 'child', 'infant')")
    op.create_check_constraint("ck_tickets_seat", "tickets", "seat IS NOT NULL OR passenger_type = 'infant'")


def downgrade():
    op.drop_constraint("ck_tickets_seat", "tickets")
    op.drop_constraint("ck_tickets_passenger_type", "tickets")
    op.drop_column("tickets", "passenger_index")
    op.drop_column("tickets", "passenger_type")
    op.execute("DELETE FROM tickets WHERE seat IS NULL")
    op.alter_column("tickets", "seat", existing_type=sa.String(8), nullable=False)
    op.drop_index("ix_order_flights_flight", "order_flights")
    op.drop_table("order_flights")
