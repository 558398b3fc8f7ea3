"""online check-in, boarding and no-shows: check_ins, check_in_sequences

Revises: 0003_itineraries
Revises: 0002 (re-pointed at 0003_itineraries when the itinerary work is merged)
Create Date: 2026-02-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_check_in"
down_revision = "0003_itineraries"
branch_labels = None
depends_on = None


def _timestamp(name, **kwargs):
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade():
    op.create_table(
        "check_in_sequences",
        sa.Column("flight_id", sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True),
        sa.Column("last_sequence", sa.Integer, nullable=False),
    )
    op.create_table(
        "check_ins",
        sa.Column("ticket_number", sa.String(13), sa.ForeignKey("tickets.number"), primary_key=True),
        sa.Column("flight_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("sequence", sa.Integer),
        sa.Column("booking_ref", sa.String(16)),
        sa.Column("bcbp", sa.Text),
        sa.Column("flight_number", sa.String(8)),
        sa.Column("origin", sa.String(3)),
        sa.Column("destination", sa.String(3)),
        _timestamp("checked_in_at"),
        _timestamp("boarded_at"),
        _timestamp("no_show_at"),
        sa.CheckConstraint("state IN ('checked_in', 'boarded', 'no_show')", name="ck_check_ins_state"),
        sa.CheckConstraint(
            "(state = 'no_show' AND no_show_at IS NOT NULL AND boarded_at IS NULL)"
            " OR (state IN ('checked_in', 'boarded') AND sequence IS NOT NULL AND bcbp IS NOT NULL"
            " AND checked_in_at IS NOT NULL AND (state = 'checked_in') = (boarded_at IS NULL))",
            name="ck_check_ins_steps",
        ),
        sa.UniqueConstraint("flight_id", "sequence", name="uq_check_ins_flight_sequence"),
    )
    op.create_index("ix_check_ins_flight_id", "check_ins", ["flight_id"])


def downgrade():
    op.drop_table("check_ins")
    op.drop_table("check_in_sequences")
