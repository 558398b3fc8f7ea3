"""Bulk flights for the scale benchmark: ``python -m bench.generate --flights 1000000``.

A benchmark fixture, not a service path: it migrates a track database (its own
``DB_PREFIX``, default ``bench_scale_``) and COPYs rows straight into
``flights``. Every size holds the same *probe* flights (``PROBE_ROUTES`` ×
``PROBE_DAYS`` × ``PROBE_PER_DAY``), so a probe search returns the same rows at
10k and at 1M; the rest is filler spread over many routes and a year of dates.
``--append`` tops an existing table up to the size asked (10k → 100k → 1M).
"""
import argparse
import io
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg2
import psycopg2.extensions

from common.config import load_config
from common.migrations import upgrade
from common.sql import drop_database, ensure_database, service_db_uri

PROBE_ROUTES = 20
PROBE_DAYS = 30
PROBE_PER_DAY = 4
PROBE_COUNT = PROBE_ROUTES * PROBE_DAYS * PROBE_PER_DAY
FILLER_AIRPORTS = 400
FILLER_DAYS = 365
CHUNK = 50_000
FARES = json.dumps({"economy": 12500, "business": 45000})
SEATS = json.dumps({"economy": 150, "business": 12})
COLUMNS = ("id", "flight_number", "airplane_id", "origin", "destination", "departure_at", "arrival_at",
           "status", "fares", "currency", "seat_counts", "scheduled_departure_at", "scheduled_arrival_at")


def scale_uri(prefix):
    return service_db_uri(load_config(environ={"DB_PREFIX": prefix}), "track")


def psycopg_dsn(uri):
    return uri.replace("postgresql+psycopg2://", "postgresql://")


def first_day():
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7)


def airport_codes(cursor):
    """Airports with the most common time zones first: stable across runs."""
    cursor.execute("SELECT code FROM airports ORDER BY code")
    return [row[0] for row in cursor.fetchall()]


def probe_routes(codes):
    rng = random.Random(7)
    picked = rng.sample(codes[:FILLER_AIRPORTS], PROBE_ROUTES * 2)
    return list(zip(picked[0::2], picked[1::2]))


def probe_flights(codes):
    start = first_day()
    for number, (origin, destination) in enumerate(probe_routes(codes)):
        for day in range(PROBE_DAYS):
            for slot in range(PROBE_PER_DAY):
                departure = start + timedelta(days=day, hours=6 + slot * 4)
                yield _row(f"P{number:02d}{slot:01d}", origin, destination, departure)


def filler_flights(codes, first_seq, count, seed):
    rng = random.Random(seed)
    pool = codes[:FILLER_AIRPORTS]
    start = first_day()
    for seq in range(first_seq, first_seq + count):
        origin, destination = rng.sample(pool, 2)
        departure = start + timedelta(days=rng.randrange(FILLER_DAYS), minutes=rng.randrange(24 * 60))
        yield _row(f"F{seq:07d}", origin, destination, departure)


def _row(flight_number, origin, destination, departure):
    arrival = departure + timedelta(hours=2)
    return (str(uuid.uuid4()), flight_number, str(uuid.uuid4()), origin, destination,
            departure.isoformat(), arrival.isoformat(), "scheduled", FARES, "USD", SEATS,
            departure.isoformat(), arrival.isoformat())


def copy_rows(cursor, rows):
    """COPY in chunks; returns how many rows went in."""
    total = 0
    while True:
        buffer = io.StringIO()
        n = 0
        for row in rows:
            buffer.write("\t".join(row) + "\n")
            n += 1
            if n == CHUNK:
                break
        if not n:
            return total
        buffer.seek(0)
        cursor.copy_expert(f"COPY flights ({', '.join(COLUMNS)}) FROM STDIN", buffer)
        total += n


def prepare(prefix, fresh):
    uri = scale_uri(prefix)
    if fresh:
        drop_database(uri)
    ensure_database(uri)
    upgrade("track", uri)
    return uri


def generate(flights, prefix="bench_scale_", append=False):
    """Make the flights table of ``prefix``track hold ``flights`` rows. Returns seconds spent."""
    uri = prepare(prefix, fresh=not append)
    # common.sql made psycopg2 green (a wait callback), which forbids COPY; this
    # script is plain blocking code, so take the callback off again.
    psycopg2.extensions.set_wait_callback(None)
    started = time.monotonic()
    with psycopg2.connect(psycopg_dsn(uri)) as connection, connection.cursor() as cursor:
        codes = airport_codes(cursor)
        cursor.execute("SELECT count(*) FROM flights")
        have = cursor.fetchone()[0]
        if have == 0:
            have = copy_rows(cursor, probe_flights(codes))
        filler_have = have - PROBE_COUNT
        if flights > have:
            copy_rows(cursor, filler_flights(codes, filler_have, flights - have, seed=filler_have))
    vacuum = psycopg2.connect(psycopg_dsn(uri))
    try:
        vacuum.autocommit = True
        vacuum.cursor().execute("VACUUM ANALYZE flights")
    finally:
        vacuum.close()
    return time.monotonic() - started


def drop(prefix="bench_scale_"):
    drop_database(scale_uri(prefix))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flights", type=int, required=True)
    parser.add_argument("--db-prefix", default="bench_scale_")
    parser.add_argument("--append", action="store_true", help="top the existing table up instead of starting over")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args(argv)
    seconds = generate(args.flights, args.db_prefix, args.append)
    print(f"{args.db_prefix}track.flights holds {args.flights} flights ({seconds:.1f} s)")
    if args.drop:
        drop(args.db_prefix)


if __name__ == "__main__":
    main()
