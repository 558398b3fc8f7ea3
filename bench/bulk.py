"""Grow the running bench system's stores to a million flights and a million issued tickets.

A fixture, not a service path: rows are COPYed straight into the bench system's
databases (``bench_track``, ``bench_ticket``) in chunks, inside a time budget, so
the gateway scenarios can run again on big tables beside their demo-size figures.

- track ``flights``: filler flights over 400 airports and a year of dates
  (``bench.generate.filler_flights``), none on the routes the search scenario asks;
- ticket: flights whose seats are all sold, each sold seat with its ticketed order
  and its issued ticket (``seats``, ``orders``, ``tickets``: one row each per ticket).

Orders' documents (MongoDB) are not generated: the bench's MongoDB is a stand-in
whose growth says nothing about a real one. When the budget runs out the load stops
at a chunk boundary and the sizes reached are what the result records.
"""
import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg2
import psycopg2.extensions

from bench import generate
from bench.system import bench_config, say
from common.sql import service_db_uri

CHUNK = 50_000
SEATS_PER_FLIGHT = 380
LETTERS = "ABCDEF"
TICKET_COLUMNS = ("number", "order_id", "user_id", "flight_id", "passenger_name", "seat", "cabin_class", "fare",
                  "currency", "status", "issued_at")
SEAT_COLUMNS = ("flight_id", "seat", "row", "letter", "cabin_class", "price", "status", "order_id")
ORDER_COLUMNS = ("order_id", "flight_id", "user_id", "state", "paid", "updated_at")
FLIGHT_COLUMNS = ("flight_id", "status", "departure_at", "currency")


def _connect(service):
    # common.sql made psycopg2 green (a wait callback), which forbids COPY: this is blocking code
    psycopg2.extensions.set_wait_callback(None)
    return psycopg2.connect(generate.psycopg_dsn(service_db_uri(bench_config(), service)))


def _copy(cursor, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def count(service, table):
    with _connect(service) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a table name of ours)
        return cursor.fetchone()[0]


def flights(target, deadline):
    """Top track's flights up to ``target`` rows (or until ``deadline``); returns the count."""
    with _connect("track") as connection, connection.cursor() as cursor:
        codes = generate.airport_codes(cursor)
        cursor.execute("SELECT count(*) FROM flights")
        have = cursor.fetchone()[0]
        rows = generate.filler_flights(codes, have, max(0, target - have), seed=have)
        while have < target and time.monotonic() < deadline:
            chunk = [row for _, row in zip(range(CHUNK), rows)]
            if not chunk:
                break
            _copy(cursor, "flights", generate.COLUMNS, chunk)
            connection.commit()
            have += len(chunk)
    return have


def _ticket_rows(serial, flight_id, seat_index, departure):
    row, letter = divmod(seat_index, len(LETTERS))
    seat = f"{row + 1}{LETTERS[letter]}"
    order_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    issued = (departure - timedelta(days=30)).isoformat()
    return (
        (f"888{serial:010d}", order_id, user_id, flight_id, "Bulk Passenger", seat, "economy", 125000, "USD",
         "issued", issued),
        (flight_id, seat, row + 1, LETTERS[letter], "economy", 125000, "sold", order_id),
        (order_id, flight_id, user_id, "ticketed", "t", issued),
    )


def tickets(target, deadline):
    """Top ticket's issued tickets up to ``target`` (or until ``deadline``); returns the count."""
    with _connect("ticket") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets WHERE number LIKE '888%'")
        have = cursor.fetchone()[0]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
        while have < target and time.monotonic() < deadline:
            size = min(CHUNK, target - have)
            ticket_rows, seat_rows, order_rows, flight_rows = [], [], [], []
            flight_id = None
            for serial in range(have, have + size):
                flight_no, seat_index = divmod(serial, SEATS_PER_FLIGHT)
                departure = start + timedelta(hours=flight_no % 9000)
                if seat_index == 0 or flight_id is None:
                    flight_id = str(uuid.UUID(int=flight_no + 1))
                    if seat_index == 0:
                        flight_rows.append((flight_id, "closed", departure.isoformat(), "USD"))
                ticket, seat, order = _ticket_rows(serial, flight_id, seat_index, departure)
                ticket_rows.append(ticket)
                seat_rows.append(seat)
                order_rows.append(order)
            _copy(cursor, "flights", FLIGHT_COLUMNS, flight_rows)
            _copy(cursor, "seats", SEAT_COLUMNS, seat_rows)
            _copy(cursor, "orders", ORDER_COLUMNS, order_rows)
            _copy(cursor, "tickets", TICKET_COLUMNS, ticket_rows)
            connection.commit()
            have += size
    return have


def analyze():
    for service in ("track", "ticket"):
        connection = _connect(service)
        try:
            connection.autocommit = True
            connection.cursor().execute("VACUUM ANALYZE")
        finally:
            connection.close()


def grow(flight_target, ticket_target, budget_seconds):
    """Both stores up to their targets within ``budget_seconds``; what was reached and how long it took."""
    started = time.monotonic()
    deadline = started + budget_seconds
    reached_flights = flights(flight_target, started + budget_seconds * 0.4)
    say(f"bulk: {reached_flights:,} flights in track ({time.monotonic() - started:.0f} s)")
    reached_tickets = tickets(ticket_target, deadline)
    say(f"bulk: {reached_tickets:,} issued tickets in ticket ({time.monotonic() - started:.0f} s)")
    analyze()
    return {
        "flights_target": flight_target, "flights": count("track", "flights"),
        "tickets_target": ticket_target, "tickets": count("ticket", "tickets"),
        "seats": count("ticket", "seats"),
        "seconds": round(time.monotonic() - started, 1), "budget_seconds": budget_seconds,
    }
