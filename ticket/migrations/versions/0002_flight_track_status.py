"""flights.track_status: track's latest status of an open flight (boarding stops booking)

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("flights", sa.Column("track_status", sa.String(16)))


def downgrade():
    op.drop_column("flights", "track_status")
