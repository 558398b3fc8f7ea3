"""refund_amount: what a cancelled order's fare rules give back, as order said in
``order_cancelled``; carried on in ``tickets_cancelled`` (also when it is published again
from this table) so payment refunds that amount. NULL: the whole payment (every other reason).

Revision ID: 0006_refund_amount
Revises: 0005_check_in_announcements
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_refund_amount"
down_revision = "0005_check_in_announcements"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("orders", sa.Column("refund_amount", sa.BigInteger))
    op.create_check_constraint("ck_orders_refund_amount", "orders", "refund_amount >= 0")


def downgrade():
    op.drop_constraint("ck_orders_refund_amount", "orders")
    op.drop_column("orders", "refund_amount")
