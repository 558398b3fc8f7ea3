"""``make audit`` against a real system: bookings ticketed, refunded, cancelled and still
open reconcile cleanly; faults planted in the services' own stores (as a bug or a crash
would leave them) are each reported with their ids; a system it cannot read is exit 2.

The audit reads every record of the session's databases, which other tests share, so
"clean" is judged for this test's flight and orders (and the planted ids) only.
"""
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from common.config import ROOT
from common.sql import service_db_uri
from ops.audit import audit_system
from tests.helpers.booking import customer, pay, place, schedule_flight, store, wait_for_status
from tests.helpers.harness import amqp_uri_for, create_vhost, delete_vhost
from ticket.models import Seat, Ticket

RECHECK_SECONDS = 1  # this test's own bookings are settled before it audits


def findings(system):
    return {(found.kind, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in found.ids.items())))
            for found in audit_system(system.config, recheck_seconds=RECHECK_SECONDS).discrepancies}


def concerning(found, flight_id, order_ids):
    ids = dict(found[1])
    return ids.get("flight_id") == flight_id or ids.get("order_id") in order_ids


def key(kind, **ids):
    return kind, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in ids.items()))


def run_cli(amqp_uri, *args):
    return subprocess.run([sys.executable, "-m", "ops.audit", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, AMQP_URI=amqp_uri), timeout=120)


def book_in_every_state(system, flight_id):
    client, _ = customer(system)
    ticketed = place(client, flight_id, {"name": "Ann Lee", "seat": "2A"})
    pay(client, ticketed["id"])
    refunded = place(client, flight_id, {"name": "Bob Lee", "seat": "2B"})
    pay(client, refunded["id"])
    wait_for_status(client, refunded["id"], "TICKETED")
    assert client.post(f"/orders/{refunded['id']}/cancel").status_code == 200
    cancelled = place(client, flight_id, {"name": "Cy Lee", "seat": "2C"})
    assert client.post(f"/orders/{cancelled['id']}/cancel").status_code == 200
    waiting = place(client, flight_id, {"name": "Di Lee", "seat": "3A"})
    wait_for_status(client, ticketed["id"], "TICKETED")
    wait_for_status(client, refunded["id"], "REFUNDED")
    wait_for_status(client, cancelled["id"], "CANCELLED")
    return [ticketed["id"], refunded["id"], cancelled["id"], waiting["id"]]


def plant_ticket_on_a_free_seat(engine, flight_id, seat, order_id):
    number = "999" + str(uuid.uuid4().int)[:10]
    with engine.begin() as conn:
        conn.execute(sa.insert(Ticket).values(
            number=number, order_id=order_id, user_id=None, flight_id=flight_id, passenger_name="Nobody",
            seat=seat, cabin_class="economy", fare=1, currency="IDR", status="issued"))
    return number


def plant_sold_seat(engine, flight_id, seat, order_id):
    with engine.begin() as conn:
        conn.execute(sa.update(Seat).where(Seat.flight_id == flight_id, Seat.seat == seat)
                     .values(status="sold", order_id=order_id, hold_expires_at=None))


def plant_lasting_hold(engine, flight_id, seat, order_id):
    """A hold that lapsed a day ago and that ticket's sweep does not tidy: committed, then
    locked (the sweep skips locked seats) while the returned connection stays open."""
    where = (Seat.flight_id == flight_id, Seat.seat == seat)
    for _ in range(5):
        with engine.begin() as conn:
            conn.execute(sa.update(Seat).where(*where).values(
                status="held", order_id=order_id, hold_expires_at=sa.func.now() - sa.text("interval '1 day'")))
        lock = engine.connect()
        lock.begin()
        if lock.execute(sa.select(Seat.status).where(*where).with_for_update()).scalar_one() == "held":
            return lock
        lock.rollback()  # a sweep tidied it between the two statements: plant it again
        lock.close()
    raise AssertionError("could not keep a lapsed hold from the sweep")


def plant_capture_without_order(system, order_id):
    payment_id = uuid.uuid4().hex[:24]
    mongo, db = store(system, "payment")
    try:
        db.payments.insert_one({
            "_id": payment_id, "order_id": order_id, "user_id": uuid.uuid4().hex, "flight_id": None,
            "amount": 7, "currency": "IDR", "status": "succeeded", "charge_key": order_id, "announced": True,
            "card": {"brand": "visa", "last4": "4242", "holder": "Nobody"}, "created_at": datetime.now(UTC),
        })
    finally:
        mongo.close()
    return payment_id


def test_audit_is_clean_for_real_bookings_and_finds_every_planted_fault(system):
    flight_id = schedule_flight(system)
    order_ids = book_in_every_state(system, flight_id)
    assert {f for f in findings(system) if concerning(f, flight_id, order_ids)} == set()

    engine = sa.create_engine(service_db_uri(system.config, "ticket"))
    stray, sold, stale, ghost = (f"planted-{name}-{uuid.uuid4().hex[:6]}" for name in ("ticket", "sold", "hold", "pay"))
    number = plant_ticket_on_a_free_seat(engine, flight_id, "3D", stray)
    plant_sold_seat(engine, flight_id, "3C", sold)
    payment_id = plant_capture_without_order(system, ghost)
    lock = plant_lasting_hold(engine, flight_id, "3B", stale)
    try:
        found = findings(system)
        result = run_cli(system.config["AMQP_URI"], "--recheck-seconds", str(RECHECK_SECONDS))
    finally:
        lock.rollback()
        lock.close()
        engine.dispose()

    planted = {
        key("ticket_seat_not_sold", ticket=number, order_id=stray, flight_id=flight_id, seat="3D"),
        key("money_mismatch", order_id=stray, flight_id=None, payments=[], tickets=[number]),
        key("sold_seat_without_ticket", flight_id=flight_id, seat="3C", order_id=sold),
        key("hold_overdue", flight_id=flight_id, seat="3B", order_id=stale),
        key("payment_without_order", payment_id=payment_id, order_id=ghost),
        key("money_mismatch", order_id=ghost, flight_id=None, payments=[payment_id], tickets=[]),
    }
    assert {f for f in found if concerning(f, flight_id, order_ids + [stray, sold, stale, ghost])} == planted

    assert result.returncode == 1, result.stderr
    for line in ("ticket_seat_not_sold: ", f"ticket={number}", f"order_id={ghost}", f"payment_id={payment_id}",
                 "seat=3C", f"order_id={stale}"):
        assert line in result.stdout, result.stdout


@pytest.mark.integration  # an empty vhost of the real RabbitMQ
def test_audit_of_a_system_it_cannot_reach_exits_2(run_prefix):
    vhost = f"{run_prefix}audit-{uuid.uuid4().hex[:6]}"
    create_vhost(vhost)  # a broker answering, but no service behind it
    try:
        result = run_cli(amqp_uri_for(vhost), "--timeout", "5")
    finally:
        delete_vhost(vhost)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "could not read the records" in result.stderr and "audit_tickets" in result.stderr, result.stderr
    assert result.stdout == ""
