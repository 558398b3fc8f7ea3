"""The arithmetic floor of a booking, from the baselines of the same run.

On a saturated machine (closed loop, every core busy) ``1 / rate`` is the machine
time one request costs, load generator included. The baselines differ by one unit
of work each, so the cost of a unit is the difference of their times per request (each paired with the bare run of
its own round, the median over rounds):

- HTTP request: ``1 / bare`` (the client's side of it included);
- RPC hop: ``1 / one_hop - 1 / bare``;
- event: ``1 / event - 1 / bare`` (one publish with confirm, one handler's worker);
- SQL round trip: ``1 / sql - 1 / bare``; MongoDB round trip: ``1 / mongo - 1 / bare``.

A booking's floor is the sum of its units times their costs; the units come from
RabbitMQ's counters (RPC calls, event deliveries, measured in the same run), from
locust (HTTP requests, polls included) and, for store round trips, from the code
(``STORE_ROUND_TRIPS``: no store here counts statements per client).
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


def _repetitions(entry):
    return entry.get("repetitions") or [{"rps": entry["rps"], "at": 0}]


def unit_costs(baselines):
    """Milliseconds of machine time per unit, or None where a baseline is missing.

    The machine is shared, so each baseline run is paired with the bare run of its own
    round (the nearest in time) and the median of those differences is the unit's cost.
    """
    if "baseline_bare" not in baselines or "baseline_one_hop" not in baselines:
        return None
    bare = [rep for rep in _repetitions(baselines["baseline_bare"]) if rep["rps"]]

    def extra(name):
        if name not in baselines:
            return None
        differences = []
        for rep in _repetitions(baselines[name]):
            if rep["rps"]:
                nearest = min(bare, key=lambda b: abs(b.get("at", 0) - rep.get("at", 0)))
                differences.append(1000 / rep["rps"] - 1000 / nearest["rps"])
        return round(statistics.median(differences), 3) if differences else None

    return {"http_request": round(statistics.median(1000 / rep["rps"] for rep in bare), 3),
            "rpc_hop": extra("baseline_one_hop"), "event": extra("baseline_event"),
            "sql_round_trip": extra("baseline_sql"), "mongo_round_trip": extra("baseline_mongo")}


def booking_floor(results):
    """The floor's arithmetic for the booking scenario of ``results`` (None if it lacks a part)."""
    costs = unit_costs(results.get("baselines", {}))
    booking = results.get("scenarios", {}).get("booking")
    per = results.get("per_booking")
    if not costs or not booking or not per or None in costs.values():
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
    total_ms = sum(parts.values())
    floor_rate = 1000 / total_ms
    # the units were priced in the rounds that ran the floor's baselines: compare with those rounds'
    # one-hop runs, and the booking through its own (median) ratio to one-hop
    one_hop = _one_hop_near(results["baselines"], "baseline_event")
    floor_ratio = floor_rate / one_hop
    measured_ratio = booking.get("ratio")
    return {
        "costs_ms": costs, "units": units, "parts_ms": parts, "total_ms": round(total_ms, 2),
        "floor_per_s": round(floor_rate, 1), "one_hop_per_s": round(one_hop, 1),
        "floor_ratio_to_one_hop": round(floor_ratio, 3),
        "measured_per_s": booking["rps"], "measured_ratio_to_one_hop": measured_ratio,
        "measured_over_floor": round(floor_ratio / measured_ratio, 2) if measured_ratio else None,
    }


def _one_hop_near(baselines, name):
    one_hop = [rep for rep in _repetitions(baselines["baseline_one_hop"]) if rep["rps"]]
    near = [min(one_hop, key=lambda o: abs(o.get("at", 0) - rep.get("at", 0)))["rps"]
            for rep in _repetitions(baselines.get(name, baselines["baseline_one_hop"]))]
    return statistics.median(near)
