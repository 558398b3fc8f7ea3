"""availability_counts: free seats and lowest fare per (flight, cabin class), kept by
triggers in the same transaction as every change to ``seats`` (holds, sales, releases,
sweeps, an inventory built or rebuilt: no code path can forget them), and stamped with a
``version`` from one sequence each time a row changes or its flight's bookability does,
so ``availability_changed`` can publish what changed since its last run and track can
keep only the newest figures whatever order they arrive in.

``free`` counts seats whose status is ``available``: a lapsed hold counts as taken until
the sweeper releases it (EXPIRY_SWEEP_SECONDS), while ``ticket.availability`` already
counts it free. Whether a flight is bookable at all (open, not boarding, not departed)
is applied when the counts are read, from ``flights``.

Revision ID: 0009_availability_counts
Revises: 0008_exchanges
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_availability_counts"
down_revision = "0008_exchanges"
branch_labels = None
depends_on = None

# Deltas, not recounts: under READ COMMITTED two holds on one cabin each recounting from
# their own snapshot would both write "one fewer"; ``free + delta`` on the locked row adds up.
# Rows are touched in key order so concurrent statements never wait on each other in a circle.
# Transition tables are visible only to the trigger function's own statements: each
# function holds the whole upsert, of its own deltas.
UPSERT = """
    INSERT INTO availability_counts (flight_id, cabin_class, seats, free, price, version)
    SELECT flight_id, cabin_class, sum(seats), sum(free), coalesce(min(price), 0), nextval('availability_version')
    FROM ({deltas}) d GROUP BY flight_id, cabin_class ORDER BY flight_id, cabin_class
    ON CONFLICT (flight_id, cabin_class) DO UPDATE
      SET seats = availability_counts.seats + EXCLUDED.seats,
          free = availability_counts.free + EXCLUDED.free,
          price = CASE WHEN availability_counts.seats <= 0 THEN EXCLUDED.price
                       WHEN EXCLUDED.seats > 0 AND EXCLUDED.price > 0
                         THEN LEAST(availability_counts.price, EXCLUDED.price)
                       ELSE availability_counts.price END,
          version = EXCLUDED.version
      WHERE EXCLUDED.seats <> 0 OR EXCLUDED.free <> 0"""
ADDED = "SELECT flight_id, cabin_class, 1 AS seats, (status = 'available')::int AS free, price FROM seats_new"
REMOVED = ("SELECT flight_id, cabin_class, -1 AS seats, -(status = 'available')::int AS free, NULL::bigint AS price"
           " FROM seats_old")
DELTAS = {"insert": ADDED, "update": f"{ADDED} UNION ALL {REMOVED}", "delete": REMOVED}
FUNCTIONS = "".join(f"""
CREATE FUNCTION seats_availability_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{UPSERT.format(deltas=deltas)};
  RETURN NULL;
END $$;
""" for event, deltas in DELTAS.items())

TRIGGERS = """
CREATE TRIGGER seats_availability_insert AFTER INSERT ON seats
  REFERENCING NEW TABLE AS seats_new FOR EACH STATEMENT EXECUTE FUNCTION seats_availability_insert();
CREATE TRIGGER seats_availability_update AFTER UPDATE ON seats
  REFERENCING OLD TABLE AS seats_old NEW TABLE AS seats_new
  FOR EACH STATEMENT EXECUTE FUNCTION seats_availability_update();
CREATE TRIGGER seats_availability_delete AFTER DELETE ON seats
  REFERENCING OLD TABLE AS seats_old FOR EACH STATEMENT EXECUTE FUNCTION seats_availability_delete();

-- a flight closed, boarding or rescheduled: its counts are republished
CREATE FUNCTION flights_availability_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE availability_counts SET version = nextval('availability_version') WHERE flight_id = NEW.flight_id;
  RETURN NULL;
END $$;

CREATE TRIGGER flights_availability_bump AFTER UPDATE OF status, track_status, departure_at ON flights
  FOR EACH ROW WHEN ((OLD.status, OLD.track_status, OLD.departure_at)
                     IS DISTINCT FROM (NEW.status, NEW.track_status, NEW.departure_at))
  EXECUTE FUNCTION flights_availability_bump();
"""


def upgrade():
    op.execute("CREATE SEQUENCE availability_version")
    op.create_table(
        "availability_counts",
        sa.Column("flight_id", sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True),
        sa.Column("cabin_class", sa.String(32), primary_key=True),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("free", sa.Integer, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_availability_counts_version", "availability_counts", ["version"])
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    op.execute("""
        INSERT INTO availability_counts (flight_id, cabin_class, seats, free, price, version)
        SELECT flight_id, cabin_class, count(*), count(*) FILTER (WHERE status = 'available'), min(price),
               nextval('availability_version')
        FROM seats GROUP BY flight_id, cabin_class""")


def downgrade():
    op.execute("DROP TRIGGER flights_availability_bump ON flights")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER seats_availability_{event} ON seats")
        op.execute(f"DROP FUNCTION seats_availability_{event}()")
    op.execute("DROP FUNCTION flights_availability_bump()")
    op.drop_table("availability_counts")
    op.execute("DROP SEQUENCE availability_version")
