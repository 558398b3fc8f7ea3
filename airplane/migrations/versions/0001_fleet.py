"""Airplane models, airplanes, maintenance windows.

Revision ID: 0001_fleet
Revises:
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_fleet"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "airplane_models",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("manufacturer", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("cabins", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("manufacturer", "model", name="uq_airplane_models_name"),
    )
    op.create_table(
        "airplanes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("registration", sa.String(16), nullable=False, unique=True),
        sa.Column("model_id", sa.String(36), sa.ForeignKey("airplane_models.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("airplane_id", sa.String(36), sa.ForeignKey("airplanes.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_maintenance_airplane_starts", "maintenance_windows", ["airplane_id", "starts_at"])


def downgrade():
    op.drop_table("maintenance_windows")
    op.drop_table("airplanes")
    op.drop_table("airplane_models")
