"""users.role: gate_agent beside customer and admin

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint("ck_users_role", "users", type_="check")
    op.create_check_constraint("ck_users_role", "users", "role IN ('customer', 'gate_agent', 'admin')")


def downgrade():
    op.execute("UPDATE users SET role = 'customer' WHERE role = 'gate_agent'")
    op.drop_constraint("ck_users_role", "users", type_="check")
    op.create_check_constraint("ck_users_role", "users", "role IN ('customer', 'admin')")
