"""RPC calls and events per booking, from RabbitMQ's own exchange counters.

nameko publishes every RPC request *and* its reply on the ``nameko-rpc``
exchange, and every event on ``<service>.events``. The management API's
``publish_in`` counters are sampled every few seconds, so a reading is taken
once they stop moving.
"""
import time
import uuid
from urllib.parse import quote

import requests

from bench.system import say
from ops.rabbit import rabbit_api

CARD = {"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123", "holder": "Bench User"}


def exchange_counts(vhost):
    base, auth = rabbit_api()
    answer = requests.get(f"{base}/api/exchanges/{quote(vhost, safe='')}", auth=auth, timeout=10).json()
    return {e["name"]: e.get("message_stats", {}).get("publish_in", 0) for e in answer if e["name"]} | {
        f"{e['name']}:out": e.get("message_stats", {}).get("publish_out", 0) for e in answer if e["name"]}


def settled_counts(vhost, timeout=30):
    """Exchange counters once two readings 6 s apart agree (stats refresh every 5 s)."""
    previous = exchange_counts(vhost)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(6)
        current = exchange_counts(vhost)
        if current == previous:
            return current
        previous = current
    return previous


def book_serially(base_url, seats, deadline=10):
    """Book each ``(flight_id, seat)`` one after the other; count the HTTP requests made."""
    http = requests.Session()
    email = f"bench-count-{uuid.uuid4().hex[:8]}@example.com"
    http.post(base_url + "/auth/register", json={"email": email, "password": "bench-password-1", "full_name": "B"})
    token = http.post(base_url + "/auth/login", json={"email": email, "password": "bench-password-1"}).json()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    requests_made = {"place": 0, "pay": 0, "poll": 0}
    for flight_id, seat in seats:
        order = http.post(base_url + "/orders", json={"flight_id": flight_id,
                                                      "passengers": [{"name": "Count Me", "seat": seat}]}).json()
        requests_made["place"] += 1
        http.post(f"{base_url}/orders/{order['id']}/pay", json=CARD)
        requests_made["pay"] += 1
        stop = time.monotonic() + deadline
        while time.monotonic() < stop:
            requests_made["poll"] += 1
            if http.get(f"{base_url}/orders/{order['id']}").json().get("status") == "TICKETED":
                break
            time.sleep(0.05)
    return requests_made


def per_booking(vhost, base_url, seats):
    """Book ``seats`` one by one on a quiet system; messages per booking, polls separated out."""
    time.sleep(2)  # let the previous scenario's tail drain
    before = settled_counts(vhost)
    made = book_serially(base_url, seats)
    after = settled_counts(vhost)
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    bookings = len(seats)
    rpc_messages = delta.pop("nameko-rpc", 0)
    delta.pop("nameko-rpc:out", None)
    deliveries = {name[:-4]: count for name, count in delta.items() if name.endswith(".events:out") and count}
    events = {name: count for name, count in delta.items() if name.endswith(".events") and count}
    # each poll is GET /orders/{id} = one order.get_order call (request + reply)
    rpc_calls = rpc_messages / 2
    result = {
        "bookings": bookings,
        "http_requests": made,
        "rpc_calls_total_per_booking": round(rpc_calls / bookings, 2),
        "rpc_calls_per_booking_without_polls": round((rpc_calls - made["poll"]) / bookings, 2),
        "polls_per_booking": round(made["poll"] / bookings, 2),
        "events_per_booking": round(sum(events.values()) / bookings, 2),
        "events_by_exchange_per_booking": {name: round(count / bookings, 2) for name, count in events.items()},
        # an event reaches every queue bound to it: each delivery is a handler's worker
        "event_deliveries_per_booking": round(sum(deliveries.values()) / bookings, 2),
        "event_deliveries_by_exchange_per_booking": {
            name: round(count / bookings, 2) for name, count in deliveries.items()},
    }
    say(f"per booking: {result['rpc_calls_per_booking_without_polls']} RPC calls (+ polls), "
        f"{result['events_per_booking']} events {result['events_by_exchange_per_booking']}")
    return result
