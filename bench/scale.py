"""Search cost against table size: the track query at 10k, 100k and 1M flights.

Each size is generated into the same scale database (``bench.generate``,
``--append`` from one size to the next), then the real query function,
``track.store.flights_on_route``, runs serially for random probe routes and
days; the ``EXPLAIN (ANALYZE, BUFFERS)`` of one such query is kept. The scale
database is dropped at the end.
"""
import random
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from bench import generate
from bench.system import say
from track.domain import LISTED_STATUSES  # noqa: F401  (the query filters on it)
from track.store import flights_on_route

QUERIES = 400
WARMUP = 50
PAGE = 20


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class LastStatement:
    """Remembers the SQL and parameters of the last query the engine ran."""

    def __init__(self, engine):
        self.statement = self.parameters = None
        event.listen(engine, "before_cursor_execute", self.capture)

    def capture(self, conn, cursor, statement, parameters, context, executemany):
        self.statement, self.parameters = statement, parameters


def probe(codes_day):
    (origin, destination), day = codes_day
    return origin, destination, day, day + timedelta(days=1)


def measure(engine, routes, days):
    rng = random.Random(11)
    timings, rows = [], []
    with Session(engine) as session:
        for i in range(WARMUP + QUERIES):
            origin, destination = rng.choice(routes)
            day = rng.choice(days)
            started = time.perf_counter()
            found = flights_on_route(session, origin, destination, day, day + timedelta(days=1), None, PAGE)
            elapsed = (time.perf_counter() - started) * 1000
            if i >= WARMUP:
                timings.append(elapsed)
                rows.append(len(found))
            session.expunge_all()
    return {
        "queries": QUERIES,
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
        "p99_ms": round(percentile(timings, 0.99), 3),
        "rows_per_query": round(statistics.mean(rows), 2),
    }


def explain(engine, routes, days):
    recorder = LastStatement(engine)
    origin, destination = routes[0]
    with Session(engine) as session:
        flights_on_route(session, origin, destination, days[3], days[3] + timedelta(days=1), None, PAGE)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + recorder.statement, recorder.parameters)
        return [row[0] for row in cursor.fetchall()]
    finally:
        raw.close()


def run(sizes, prefix="bench_scale_"):
    results = {}
    try:
        for index, size in enumerate(sizes):
            seconds = generate.generate(size, prefix, append=index > 0)
            engine = sa.create_engine(generate.scale_uri(prefix))
            try:
                with engine.connect() as conn:
                    codes = [row[0] for row in conn.execute(sa.text("SELECT code FROM airports ORDER BY code"))]
                    count = conn.execute(sa.text("SELECT count(*) FROM flights")).scalar()
                routes = generate.probe_routes(codes)
                first = generate.first_day()
                days = [first + timedelta(days=d) for d in range(generate.PROBE_DAYS)]
                entry = measure(engine, routes, days)
                entry.update({"flights": count, "generate_seconds": round(seconds, 1),
                              "plan": explain(engine, routes, days)})
            finally:
                engine.dispose()
            results[str(size)] = entry
            say(f"search query at {count} flights: p50 {entry['p50_ms']} ms, p99 {entry['p99_ms']} ms "
                f"({entry['rows_per_query']} rows each; generated in {seconds:.0f} s)")
    finally:
        generate.drop(prefix)
    if len(sizes) > 1:
        small, large = results[str(sizes[0])], results[str(sizes[-1])]
        ratio = round(large["p50_ms"] / small["p50_ms"], 2)
        results["summary"] = {
            "p50_ratio_largest_to_smallest": ratio, "target": "≤ 1.5×", "met": ratio <= 1.5,
        }
    return results
