"""Booking through the gateway (tests/test_booking_*, test_saga_*): flights the way the
ticket service learns about them, customers with real access tokens signed with the
system's secret, money and seats read back from the services.
"""
import uuid
from datetime import timedelta

from common.config import Settings
from common.mongo import mongo_client, service_db_name
from common.tokens import issue_access_token
from tests.helpers.events import recorded_events
from tests.helpers.harness import wait_until
from tests.helpers.tickets import flight_payload, publish_flight

GOOD_CARD = {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}
DECLINED_CARD = dict(GOOD_CARD, card_number="4000000000000002")


def seat_labels(rows, letters):
    return [f"{row}{letter}" for row in rows for letter in letters]


def schedule_flight(system, business_rows=range(1, 2), economy_rows=range(2, 4), departure_in=timedelta(days=30)):
    """Publish ``flight_scheduled`` and wait for the inventory; the flight id.

    Default: 4 business seats (1A-1D) and 8 economy seats (2A-3D).
    """
    flight_id = uuid.uuid4().hex[:12]
    payload = flight_payload(flight_id, business_rows, economy_rows, departure_in, business_letters="ABCD",
                             economy_letters="ABCD", flight_number="TB" + flight_id[:4].upper())
    publish_flight(system, dict(payload, airplane_id="a-" + flight_id))
    return flight_id


def customer(system):
    """A gateway client for a new customer, and that customer's id."""
    user_id = uuid.uuid4().hex
    token, _ = issue_access_token(Settings.from_config(system.config), user_id, "customer")
    return system.http.as_user(token), user_id


def place(client, flight_id, *passengers, expect=201, **extra):
    body = {"flight_id": flight_id, "passengers": list(passengers) or [{"name": "Ada Lovelace"}], **extra}
    response = client.post("/orders", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def pay(client, order_id, card=GOOD_CARD, expect=201):
    response = client.post(f"/orders/{order_id}/pay", json=card)
    assert response.status_code == expect, response.text
    return response.json()


def get_order(client, order_id):
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_status(client, order_id, status, timeout=15.0):
    return wait_until(
        lambda: (lambda order: order if order["status"] == status else None)(get_order(client, order_id)),
        timeout, what=f"order {order_id} to be {status}",
    )


def store(system, service):
    """The service's own Mongo database, to check what was (not) stored."""
    client = mongo_client(system.config)
    return client, client[service_db_name(system.config, service)]


def find_documents(system, service, collection, query):
    client, db = store(system, service)
    try:
        return list(db[collection].find(query))
    finally:
        client.close()


def flight_money(system, flight_id):
    """Money captured, refunded and ticketed on one flight, from the payment and ticket services."""
    client, orders_db = store(system, "order")
    try:
        order_ids = [doc["_id"] for doc in orders_db.orders.find({"flight_id": flight_id}, {"_id": 1})]
    finally:
        client.close()
    captured = refunded = ticketed = 0
    with system.rpc() as rpc:
        for order_id in order_ids:
            for payment in rpc.payment.payments_for_order(order_id):
                if payment["status"] in ("succeeded", "refunded"):
                    captured += payment["amount"]
                if payment["status"] == "refunded":
                    refunded += payment["refund"]["amount"]
            ticketed += sum(t["fare"] for t in rpc.ticket.tickets_for_order(order_id) if t["status"] == "issued")
    return {"captured": captured, "refunded": refunded, "ticketed": ticketed}


def assert_each_effect_once(system, order_id):
    """No double effect, whichever replica handled what: at most one capture kept or
    refunded per order and at most one refund, of that capture (payment's own records), one ticket per
    passenger seat (ticket's), each state once in the order's history (order's). Returns
    ``(order, payments, tickets)`` as the services show them."""
    with system.rpc() as rpc:
        order = rpc.order.get_order(order_id)
        payments = rpc.payment.payments_for_order(order_id)
        tickets = rpc.ticket.tickets_for_order(order_id)
    captures = [p for p in payments if p["status"] in ("succeeded", "refunded", "refunding")]
    assert len(captures) <= 1, f"order {order_id} charged {len(captures)} times: {payments}"
    refunds = [p["refund"] for p in payments if p.get("refund")]
    assert len(refunds) <= 1, f"order {order_id} refunded {len(refunds)} times: {payments}"
    if refunds:
        assert refunds[0]["amount"] == captures[0]["amount"], payments
    seats = [t["seat"] for t in tickets]
    assert len(seats) == len(set(seats)), f"order {order_id} ticketed twice: {tickets}"
    if tickets:
        assert len(tickets) == len(order["passengers"]), f"order {order_id}: {tickets} for {order['passengers']}"
    states = [h["status"] for h in order["history"]]
    assert len(states) == len(set(states)), f"order {order_id} went through a state twice: {states}"
    return order, payments, tickets


# -- recording the saga's events ---------------------------------------------------------

SAGA_EVENTS = (
    ("order", "order_created"), ("order", "order_paid"), ("order", "order_expired"), ("order", "order_cancelled"),
    ("order", "payment_rejected"), ("payment", "payment_succeeded"), ("payment", "payment_failed"),
    ("payment", "payment_refunded"), ("ticket", "tickets_issued"), ("ticket", "tickets_cancelled"),
    ("track", "flight_cancelled"),
)


def saga_events(config):
    """An ``EventLog`` of every saga event published while the block runs."""
    return recorded_events(config, SAGA_EVENTS)


def events_of(log, order_id):
    """``[(source, event_type, payload)]`` of ``order_id``, in arrival order."""
    return log.for_order(order_id)


def pause_event_handler(system, service_name, method_name):
    """Stop one event handler of a running service, in every replica: its messages wait in
    RabbitMQ (as if that consumer had crashed) while the service's RPC keeps answering."""
    for container in system.containers(service_name):
        handler = next(e for e in container.entrypoints if e.method_name == method_name)
        handler.stop()
        container.entrypoints.discard(handler)  # already stopped: the container's own stop must skip it


def stop_service(system, service_name):
    """The service goes away, every replica of it (its queues stay, and fill up)."""
    for container in system.containers(service_name):
        container.stop()


def snapshot(system, order_id):
    """Everything the saga owns about one order, to compare before and after a replay."""
    clients = [store(system, name) for name in ("order", "payment")]
    try:
        order = clients[0][1].orders.find_one({"_id": order_id})
        payments = list(clients[1][1].payments.find({"order_id": order_id}))
    finally:
        for client, _ in clients:
            client.close()
    with system.rpc() as rpc:
        tickets = rpc.ticket.tickets_for_order(order_id)
        seats = rpc.ticket.seat_map(order["flight_id"])
    return {"order": order, "payments": payments, "tickets": tickets, "seats": seats}
