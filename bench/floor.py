"""The arithmetic floor of a booking: CPU per unit of work, from the baselines of the same run.

Every load run records the CPU its processes spent (``bench/cpu.py``: the services
under test, PostgreSQL's backends serving them, the MongoDB stand-in, the load
generator; RabbitMQ apart, since the broker is shared). Per request, CPU does not
move when other work takes cores away, and two baselines that differ by one unit of
work differ by that unit's CPU (each paired with the bare run of its own round, the
median over rounds):

- HTTP request: CPU per ``/bare`` request (the load generator's included, and only here);
- RPC hop: ``/one-hop`` minus ``/bare``; event (publish with confirm + one handler's
  worker): ``/event`` minus ``/bare``; SQL round trip: ``/sql`` minus ``/bare``; MongoDB
  round trip: ``/mongo`` minus ``/bare``.

A booking's floor is the sum of its units times their CPU; the units come from
RabbitMQ's counters (RPC calls, event deliveries, measured in the same run), from
locust (HTTP requests, polls included) and, for store round trips, from the code
(``STORE_ROUND_TRIPS``: no store here counts statements per client). On the same
cores, rate ∝ 1 / CPU per request, so the floor as a ratio to the one-hop baseline
is ``CPU per one-hop request / floor CPU per booking``.
"""
import statistics

# Store round trips of one booking (one passenger, a named seat, no Idempotency-Key), counted
# from the code: each entry (what, SQL, MongoDB). A SQL session pays pool_pre_ping's
# ``SELECT 1`` and psycopg2's ``BEGIN`` besides its statements and ``COMMIT``.
STORE_ROUND_TRIPS = (
    ("ticket.hold_seats (ticket/holds.py): ping, BEGIN, lock_flight, claim_order, take_seats "
     "(UPDATE … RETURNING), COMMIT", 6, 0),
    ("order.place_order (order/saga.py `_create`): insert the order with its outbox, clear_event", 0, 2),
    ("payment.pay → order.get_payable_order: find", 0, 1),
    ("payment.pay (payment/ledger.py): insert_pending, processor books insert, mark_succeeded, "
     "mark_announced", 0, 4),
    ("order.on_payment_succeeded: find, mark_paid (with outbox), clear_event", 0, 3),
    ("ticket.on_order_paid (ticket/issuing.py): ping, BEGIN, lock_flight, claim_order, lock_seats, "
     "sell_seats, next_serials, insert_tickets, set_order, COMMIT", 10, 0),
    ("ticket `_publish`: ping, BEGIN, mark_published, COMMIT", 4, 0),
    ("order.on_tickets_issued: transition to TICKETED", 0, 1),
    ("order.get_order, per status poll", 0, 1),
)


def store_round_trips(polls):
    sql = sum(entry[1] for entry in STORE_ROUND_TRIPS[:-1])
    mongo = sum(entry[2] for entry in STORE_ROUND_TRIPS[:-1]) + polls * STORE_ROUND_TRIPS[-1][2]
    return sql, mongo


GROUPS = ("tested", "postgres", "mongo", "client")  # the broker is reported apart: it is shared


def _cpu(rep, groups=GROUPS):
    per = rep.get("cpu_ms_per_request")
    return sum(per.get(group, 0) for group in groups) if per else None


def _repetitions(baselines, name):
    return [rep for rep in baselines.get(name, {}).get("repetitions", []) if rep.get("cpu_ms_per_request")]


def unit_costs(baselines, groups=GROUPS):
    """CPU milliseconds per unit, or None where the baselines lack CPU figures."""
    bare = _repetitions(baselines, "baseline_bare")
    if not bare or not _repetitions(baselines, "baseline_one_hop"):
        return None

    # the load generator's CPU per request depends on its rate (it has a fixed cost per second):
    # it is priced once, in the HTTP request, not in the differences
    servers = tuple(group for group in groups if group != "client")

    def extra(name):
        differences = []
        for rep in _repetitions(baselines, name):
            nearest = min(bare, key=lambda b: abs(b.get("at", 0) - rep.get("at", 0)))
            differences.append(_cpu(rep, servers) - _cpu(nearest, servers))
        return round(statistics.median(differences), 3) if differences else None

    return {"http_request": round(statistics.median(_cpu(rep, groups) for rep in bare), 3),
            "rpc_hop": extra("baseline_one_hop"), "event": extra("baseline_event"),
            "sql_round_trip": extra("baseline_sql"), "mongo_round_trip": extra("baseline_mongo")}


def booking_floor(results):
    """The floor's arithmetic for the booking scenario of ``results`` (None if it lacks a part)."""
    baselines = results.get("baselines", {})
    costs = unit_costs(baselines)
    booking = results.get("scenarios", {}).get("booking")
    per = results.get("per_booking")
    if not costs or not booking or not per or None in costs.values() or not booking.get("cpu_ms_per_request"):
        return None
    polls = booking.get("polls_per_flow") or 0
    sql, mongo = store_round_trips(polls)
    units = {
        "http_request": 2 + polls,
        "rpc_hop": per["rpc_calls_per_booking_without_polls"] + polls,
        "event": per.get("event_deliveries_per_booking", per["events_per_booking"]),
        "sql_round_trip": sql,
        "mongo_round_trip": mongo,
    }
    parts = {name: round(units[name] * costs[name], 2) for name in units}
    floor_ms = sum(parts.values())
    one_hop_ms = statistics.median(_cpu(rep) for rep in _repetitions(baselines, "baseline_one_hop"))
    measured_ms = _cpu(booking)
    broker = unit_costs(baselines, groups=("broker",))
    return {
        "costs_ms": costs, "units": units, "parts_ms": parts, "floor_ms": round(floor_ms, 2),
        "one_hop_ms": round(one_hop_ms, 3), "floor_ratio_to_one_hop": round(one_hop_ms / floor_ms, 3),
        "measured_ms": round(measured_ms, 2), "measured_cpu_ratio_to_one_hop": round(one_hop_ms / measured_ms, 3),
        "measured_over_floor": round(measured_ms / floor_ms, 2),
        "measured_by_group_ms": booking["cpu_ms_per_request"],
        "broker_costs_ms": broker,
    }
