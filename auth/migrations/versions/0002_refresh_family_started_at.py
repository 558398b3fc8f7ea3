"""refresh_tokens.family_started_at: a session's absolute age

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("refresh_tokens", sa.Column("family_started_at", sa.DateTime(timezone=True), nullable=True))
    # an existing family started no later than its oldest token still kept
    op.execute(
        "UPDATE refresh_tokens AS t SET family_started_at = f.started"
        " FROM (SELECT family_id, min(created_at) AS started FROM refresh_tokens GROUP BY family_id) AS f"
        " WHERE t.family_id = f.family_id"
    )
    op.alter_column("refresh_tokens", "family_started_at", nullable=False)


def downgrade():
    op.drop_column("refresh_tokens", "family_started_at")
