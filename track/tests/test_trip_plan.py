"""The one-stop search is a bounded self-join: first legs from the origin index (one day of
one airport), each one's second legs from the route index (its destination, our destination,
the connection window), no scan of the table.

The plan is taken on a network of 20,000 flights between 60 airports over two weeks,
analysed, inside a transaction that is rolled back (no test sees the rows)."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from common.sql import service_db_uri
from track.store import connections_query

NETWORK = """
WITH codes AS (SELECT array_agg(code ORDER BY code) AS c FROM (SELECT code FROM airports ORDER BY code LIMIT 60) s),
     numbered AS (SELECT n, n % 60 AS o, (n % 60 + 1 + (n / 60) % 59) % 60 AS d,
                         timestamptz '2026-11-25 00:00+00' + (n % 14) * interval '1 day'
                         + ((n * 37) % 1440) * interval '1 minute' AS departs
                  FROM generate_series(1, 20000) n)
INSERT INTO flights (id, flight_number, airplane_id, origin, destination, departure_at, arrival_at,
                     scheduled_departure_at, scheduled_arrival_at, status, fares, fares_by_family, currency,
                     seat_counts)
SELECT gen_random_uuid(), 'XX' || n, 'plane-' || (n % 700), c[1 + o], c[1 + d], departs,
       departs + interval '95 minutes',
       departs, departs + interval '95 minutes', 'scheduled', '{"economy": 100}', '{"economy": {"standard": 100}}',
       'IDR', '{"economy": 100}'
FROM numbered, codes
"""


def test_one_stop_connections_use_the_origin_and_route_indexes(databases):
    engine = sa.create_engine(service_db_uri(databases, "track"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            conn.execute(sa.text(NETWORK))
            conn.execute(sa.text("ANALYZE flights"))
            origin, destination = conn.execute(sa.text("SELECT code FROM airports ORDER BY code LIMIT 2")).scalars()
            starts = datetime(2026, 12, 1, tzinfo=UTC)
            query = connections_query(origin, destination, starts, starts + timedelta(days=1),
                                      timedelta(minutes=45), timedelta(hours=24), 400)
            sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = "\n".join(row[0] for row in conn.execute(sa.text("EXPLAIN " + sql)))
            pairs = conn.execute(sa.text(sql)).all()
            transaction.rollback()
    finally:
        engine.dispose()
    assert "ix_flights_origin_departure" in plan, plan
    assert "ix_flights_route_departure" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert pairs, "the network has connections that day"
