"""Standard includes free seat choice: clients that chose seats before fare families
bought the standard fare, and keep choosing them. Light still does not include it
(order refuses a named seat on a light fare: ``SEAT_CHOICE_NOT_INCLUDED``).

Revision ID: 0007_standard_seat_choice
Revises: 0006_fare_families
Create Date: 2026-12-01
"""
from alembic import op

revision = "0007_standard_seat_choice"
down_revision = "0006_fare_families"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE fare_families SET free_seat_choice = true, updated_at = now() WHERE code = 'standard'")


def downgrade():
    op.execute("UPDATE fare_families SET free_seat_choice = false, updated_at = now() WHERE code = 'standard'")
