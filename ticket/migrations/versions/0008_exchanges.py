"""ticket_exchanges and the ``exchanged`` ticket status: voluntary changes of flight

Revision ID: 0008_exchanges
Revises: 0007_aircraft_swap
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_exchanges"
down_revision = "0007_aircraft_swap"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint("ck_tickets_status", "tickets", type_="check")
    op.create_check_constraint("ck_tickets_status", "tickets", "status IN ('issued', 'cancelled', 'exchanged')")
    op.create_table(
        "ticket_exchanges",
        sa.Column("change_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("old_flight_id", sa.String(64), nullable=False),
        sa.Column("new_flight_id", sa.String(64), nullable=False),
        sa.Column("old_numbers", sa.JSON, nullable=False),
        sa.Column("new_numbers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("ticket_exchanges")
    op.execute("UPDATE tickets SET status = 'cancelled' WHERE status = 'exchanged'")
    op.drop_constraint("ck_tickets_status", "tickets", type_="check")
    op.create_check_constraint("ck_tickets_status", "tickets", "status IN ('issued', 'cancelled')")
