"""seat inventory, holds, orders outbox, e-tickets

Revision ID: 0001
Revises:
Create Date: 2026-01-12
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name, **kwargs):
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade():
    op.create_table(
        "flights",
        sa.Column("flight_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False, server_default="open"),
        sa.Column("closed_reason", sa.String(16)),
        _timestamp("departure_at"),
        sa.Column("currency", sa.String(3)),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_flights_status"),
    )
    op.create_table(
        "seats",
        sa.Column("flight_id", sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True),
        sa.Column("seat", sa.String(8), primary_key=True),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("letter", sa.String(4), nullable=False),
        sa.Column("cabin_class", sa.String(32), nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="available"),
        sa.Column("order_id", sa.String(64)),
        _timestamp("hold_expires_at"),
        sa.CheckConstraint("status IN ('available', 'held', 'sold')", name="ck_seats_status"),
        sa.CheckConstraint(
            "(status = 'available' AND order_id IS NULL AND hold_expires_at IS NULL)"
            " OR (status = 'held' AND order_id IS NOT NULL AND hold_expires_at IS NOT NULL)"
            " OR (status = 'sold' AND order_id IS NOT NULL AND hold_expires_at IS NULL)",
            name="ck_seats_owner",
        ),
    )
    op.create_index("ix_seats_flight_class_status", "seats", ["flight_id", "cabin_class", "status"])
    op.create_index("ix_seats_order", "seats", ["order_id"], postgresql_where=sa.text("order_id IS NOT NULL"))
    op.create_index("ix_seats_hold_expiry", "seats", ["hold_expires_at"],
                    postgresql_where=sa.text("status = 'held'"))

    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("flight_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("paid", sa.Boolean, nullable=False, server_default=sa.false()),
        _timestamp("hold_expires_at"),
        sa.Column("reason", sa.String(20)),
        sa.Column("pending_event", sa.String(20)),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('held', 'ticketed', 'closed')", name="ck_orders_state"),
    )
    op.create_index("ix_orders_flight_id", "orders", ["flight_id"])
    op.create_index("ix_orders_pending", "orders", ["updated_at"],
                    postgresql_where=sa.text("pending_event IS NOT NULL"))

    op.execute(sa.schema.CreateSequence(sa.Sequence("ticket_serial", start=1)))
    op.create_table(
        "tickets",
        sa.Column("number", sa.String(13), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("flight_id", sa.String(64), nullable=False),
        sa.Column("passenger_name", sa.String(200), nullable=False),
        sa.Column("seat", sa.String(8), nullable=False),
        sa.Column("cabin_class", sa.String(32), nullable=False),
        sa.Column("fare", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="issued"),
        _timestamp("issued_at", nullable=False, server_default=sa.func.now()),
        _timestamp("cancelled_at"),
        sa.CheckConstraint("status IN ('issued', 'cancelled')", name="ck_tickets_status"),
        sa.CheckConstraint("number ~ '^[0-9]{13}$'", name="ck_tickets_number"),
    )
    op.create_index("ix_tickets_order_id", "tickets", ["order_id"])
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("uq_tickets_issued_seat", "tickets", ["flight_id", "seat"], unique=True,
                    postgresql_where=sa.text("status = 'issued'"))


def downgrade():
    op.drop_table("tickets")
    op.execute(sa.schema.DropSequence(sa.Sequence("ticket_serial")))
    op.drop_table("orders")
    op.drop_table("seats")
    op.drop_table("flights")
