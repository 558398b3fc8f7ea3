"""A retry with the same Idempotency-Key never releases what the first request holds.

Two requests with one key, the first still waiting for its hold when the second comes;
the second's hold call times out because ticket is really busy: its one worker is stuck
on a row lock in its database. Before the fix, the second request released the hold and
the key of the first, whose order then stood PENDING_PAYMENT without its seats.
"""
import contextlib
import uuid

import eventlet
import sqlalchemy as sa
from kombu import Connection

from common.sql import service_db_uri
from tests.helpers import assert_error, wait_until
from tests.helpers.booking import customer, find_documents, get_order, schedule_flight
from tests.helpers.harness import build_config, create_vhost, delete_vhost, running_system
from tests.helpers.tickets import seat_statuses

RPC_TIMEOUT = 4


@contextlib.contextmanager
def system_with_a_one_worker_ticket(run_prefix, mongo_uri):
    """Every service, ticket in its own runner with one worker (so its calls run one at a
    time, in the order they were sent), on one vhost."""
    vhost = f"{run_prefix}{uuid.uuid4().hex[:6]}"
    create_vhost(vhost)
    try:
        one_worker = build_config(run_prefix, vhost, mongo_uri, MAX_WORKERS=1, RPC_TIMEOUT=RPC_TIMEOUT)
        config = build_config(run_prefix, vhost, mongo_uri, RPC_TIMEOUT=RPC_TIMEOUT)
        with running_system(one_worker, ["ticket"]) as ticket, \
                running_system(config, ["auth", "track", "order", "payment", "gateway"]) as system:
            yield system, ticket
    finally:
        delete_vhost(vhost)


@contextlib.contextmanager
def flight_locked(config, flight_id):
    """ticket's flight row locked FOR UPDATE: holding or releasing seats on it waits."""
    engine = sa.create_engine(service_db_uri(config, "ticket"))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1 FROM flights WHERE flight_id = :id FOR UPDATE"), {"id": flight_id})
            yield
            connection.rollback()
    finally:
        engine.dispose()


def running(system, service, method):
    workers = system.container(service)._worker_threads
    return [ctx for ctx in list(workers) if ctx.entrypoint.method_name == method]


def waiting_ticket_calls(config):
    with Connection(config["AMQP_URI"]) as connection:
        return connection.default_channel.queue_declare("rpc-ticket", passive=True).message_count


def test_a_retry_whose_hold_times_out_leaves_the_first_requests_seats_and_key(databases, run_prefix, mongo_uri):
    with system_with_a_one_worker_ticket(run_prefix, mongo_uri) as (system, ticket):
        flight_id, other_flight_id = schedule_flight(system), schedule_flight(system)
        client, user_id = customer(system)
        body = {"flight_id": flight_id, "passengers": [{"name": "Ada Lovelace", "seat": "2A"}]}
        key = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}

        with system.rpc() as rpc:
            with flight_locked(system.config, other_flight_id):
                with flight_locked(system.config, flight_id):
                    first = eventlet.spawn(client.post, "/orders", json=body, headers=key)
                    wait_until(lambda: running(ticket, "ticket", "hold_seats"), what="the first hold in ticket")
                    # a call that keeps ticket's one worker busy once the first hold is done
                    busy = rpc.ticket.hold_seats.call_async(uuid.uuid4().hex[:24], other_flight_id, ["2A"])
                    second = eventlet.spawn(client.post, "/orders", json=body, headers=key)
                    wait_until(lambda: waiting_ticket_calls(system.config) == 2, what="the second hold queued")
                first_answer = first.wait()
                assert first_answer.status_code == 201, first_answer.text
                order = first_answer.json()

                assert_error(second.wait(), 503)
                wait_until(lambda: not running(system, "order", "place_order"), timeout=3 * RPC_TIMEOUT,
                           what="the second request to finish in order")
            busy.result()
        # ticket has now run every call sent before this one (one worker, in order)
        seats = seat_statuses(system, flight_id)

        assert seats["2A"] == "held"
        assert get_order(client, order["id"])["status"] == "PENDING_PAYMENT"
        [claim] = find_documents(system, "order", "idempotency_keys", {"user_id": user_id})
        assert claim["order_id"] == order["id"]
        again = client.post("/orders", json=body, headers=key)
        assert again.status_code == 201 and again.json()["id"] == order["id"]
