"""notifications.fact_key: a booking may get a kind of message more than once, one per fact
(check-in open per flight, disrupted per flight and reason)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notifications", sa.Column("fact_key", sa.String(160), nullable=False, server_default=""))
    op.drop_constraint("uq_notifications_kind_order", "notifications", type_="unique")
    op.create_unique_constraint("uq_notifications_fact", "notifications", ["kind", "order_id", "fact_key"])


def downgrade():
    op.execute("DELETE FROM notifications WHERE fact_key <> ''")
    op.drop_constraint("uq_notifications_fact", "notifications", type_="unique")
    op.create_unique_constraint("uq_notifications_kind_order", "notifications", ["kind", "order_id"])
    op.drop_column("notifications", "fact_key")
