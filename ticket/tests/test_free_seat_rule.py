"""The free-seat rule is written twice, in Python (``domain.seat_is_free_for``, judging
locked rows) and in SQL (``store.free_for``, inside the statements that take seats):
the two must agree. Each case of ``test_domain.FREE_SEAT_CASES`` is judged by both, by
the real PostgreSQL, in a temporary table shaped like ``seats`` (no migrations, no services)."""
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.config import load_config
from common.sql import service_db_uri
from ticket import domain, store
from ticket.tests.test_domain import FREE_SEAT_CASES, NOW

TEMPORARY_SEATS = """
    CREATE TEMPORARY TABLE seats (
        flight_id varchar(64), seat varchar(8), row integer, letter varchar(4), cabin_class varchar(32),
        price bigint, status varchar(10), order_id varchar(64), hold_expires_at timestamptz,
        PRIMARY KEY (flight_id, seat)
    ) ON COMMIT DROP
"""
FLIGHT = "flight-1"


@pytest.fixture
def session():
    url = sa.engine.make_url(service_db_uri(load_config(), "ticket")).set(database="postgres")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        session.execute(sa.text(TEMPORARY_SEATS))
        yield session
        session.rollback()
    engine.dispose()


def test_python_and_sql_agree_on_which_seats_are_free(session):
    db_now = session.execute(sa.select(store.NOW)).scalar_one()
    labels = []
    for index, ((status, holder, expires), _free, _free_for_mine) in enumerate(FREE_SEAT_CASES, start=1):
        labels.append(f"{index}A")
        session.execute(sa.text(
            "INSERT INTO seats VALUES (:f, :s, :row, 'A', 'economy', 100, :status, :holder, :expires)"
        ), {"f": FLIGHT, "s": labels[-1], "row": index, "status": status, "holder": holder,
            # the case's distance from its clock, from the database's
            "expires": db_now + (expires - NOW) if expires else None})

    judged_by_sql = {
        row.seat: (row.free, row.free_for_mine)
        for row in session.execute(
            sa.select(store.Seat.seat, store.FREE.label("free"), store.free_for("mine").label("free_for_mine"))
            .where(store.Seat.flight_id == FLIGHT)
        )
    }
    locked = {row.seat: row for row in store.lock_seats(session, FLIGHT, labels)}
    for label, (state, free, free_for_mine) in zip(labels, FREE_SEAT_CASES):
        row = locked[label]
        by_python = (domain.seat_is_free(row.status, row.hold_expires_at, row.now),
                     domain.seat_is_free_for("mine", row, row.now))
        assert by_python == judged_by_sql[label] == (free, free_for_mine), state
