"""The invariants, read back through the gateway (each buyer's orders, tickets and
seat maps) and the services' own RPCs (payments and tickets of an order), never
from another service's database.

A check is a function ``check(snapshot) -> [Violation]`` registered with
:func:`invariant`; one of them runs ``make audit``'s reconciliation on the chaos system.
"""
import collections
import dataclasses
import time

from nameko.standalone.rpc import ClusterRpcProxy

from ops.audit import Unreachable, audit_system

CAPTURED = ("succeeded",)  # money taken and kept
IN_FLIGHT_PAYMENT = ("pending", "refunding")  # an outcome still to be settled
SETTLED_WITH_MONEY = ("TICKETED", "REFUNDED")


@dataclasses.dataclass
class Violation:
    check: str
    what: str
    ids: dict


CHECKS = []


def invariant(function):
    """Register ``function(snapshot) -> [Violation]`` to run after every fault and at the end."""
    CHECKS.append(function)
    return function


class Snapshot:
    """What the system says now about every order the buyers placed, its money and its seats."""

    def __init__(self, system, load):
        self.config = system.config
        self.recorder = load.recorder
        self.orders = {}  # order id -> order as GET /orders shows it
        self.active_tickets = []  # every buyer's GET /tickets, status issued
        for buyer in load.buyers:
            if buyer.session is not None:
                self.orders.update({o["id"]: o for o in self._orders_of(buyer)})
                self.active_tickets += [t for t in self._tickets_of(buyer) if t["status"] == "issued"]
        self.payments, self.tickets = {}, {}
        with ClusterRpcProxy(system.config, timeout=15) as rpc:
            for order_id in self.orders:
                self.payments[order_id] = rpc.payment.payments_for_order(order_id)
                self.tickets[order_id] = rpc.ticket.tickets_for_order(order_id)
        self.seat_maps = {}
        admin = load.fleet.admin
        for flight_id in list(load.fleet.flight_ids):
            response = self.recorder.call(admin, "GET", "/flights/{id}/seats", f"/flights/{flight_id}/seats")
            if response is None or response.status_code != 200:
                raise RuntimeError(f"seat map of {flight_id}: {getattr(response, 'status_code', 'no answer')}")
            self.seat_maps[flight_id] = response.json()["seats"]

    def _orders_of(self, buyer):
        cursor, orders = None, []
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            response = self.recorder.call(buyer.session, "GET", "/orders", "/orders", params=params)
            if response is None or response.status_code != 200:
                raise RuntimeError(f"GET /orders for {buyer.email}: {getattr(response, 'status_code', 'no answer')}")
            page = response.json()
            orders += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return orders

    def _tickets_of(self, buyer):
        response = self.recorder.call(buyer.session, "GET", "/tickets", "/tickets")
        if response is None or response.status_code != 200:
            raise RuntimeError(f"GET /tickets for {buyer.email}: {getattr(response, 'status_code', 'no answer')}")
        return response.json()["items"]

    def unsettled(self):
        """Orders whose money is still moving: PAID, or a payment pending or refunding, or money
        kept on an order that is neither TICKETED nor REFUNDED."""
        waiting = {}
        for order_id, order in self.orders.items():
            statuses = [p["status"] for p in self.payments[order_id]]
            if order["status"] == "PAID" or any(s in IN_FLIGHT_PAYMENT for s in statuses):
                waiting[order_id] = (order["status"], statuses)
            elif order["status"] not in SETTLED_WITH_MONEY and any(s in CAPTURED for s in statuses):
                waiting[order_id] = (order["status"], statuses)
            elif order["status"] == "REFUNDED" and "refunded" not in statuses:
                waiting[order_id] = (order["status"], statuses)
            elif order["status"] == "TICKETED" and order.get("cancellation_requested_at"):
                waiting[order_id] = ("TICKETED, cancellation accepted", statuses)
        return waiting


def take_snapshot(system, load, settle_seconds):
    """Wait (polling, up to ``settle_seconds``) until no order's money is moving; the last snapshot
    and the seconds it took (None if it never settled)."""
    started = time.monotonic()
    deadline = started + settle_seconds
    while True:
        try:
            snapshot = Snapshot(system, load)
        except Exception:  # the system may still be coming back: ask again until the deadline
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
            continue
        if not snapshot.unsettled():
            return snapshot, round(time.monotonic() - started, 1)
        if time.monotonic() > deadline:
            return snapshot, None
        time.sleep(2)


# -- the invariants -----------------------------------------------------------------

@invariant
def paid_orders_end_ticketed_or_refunded(snapshot):
    return [Violation("paid_orders_settle", f"order {status} with payments {statuses} after the deadline",
                      {"order_id": order_id, "flight_id": snapshot.orders[order_id]["flight_id"]})
            for order_id, (status, statuses) in snapshot.unsettled().items()]


def due_back(payment, order):
    """What a refunded payment owes back: for the order's own payment refunded because its
    customer cancelled, what the fare rules said (``refund_due``); otherwise all of it."""
    due = order.get("refund_due")
    if due and payment["id"] == order.get("payment_id") and (payment.get("refund") or {}).get("reason") in (
            "order_cancelled", None):
        return due["amount"]
    return payment["amount"]


@invariant
def money_adds_up_per_order(snapshot):
    violations = []
    for order_id, order in snapshot.orders.items():
        payments = snapshot.payments[order_id]
        kept = sum(p["amount"] for p in payments if p["status"] in CAPTURED)
        captures = [p["id"] for p in payments if p["status"] in CAPTURED + ("refunded",)]
        issued = [t for t in snapshot.tickets[order_id] if t["status"] == "issued"]
        fares = sum(t["fare"] for t in issued)
        ids = {"order_id": order_id, "payment_ids": captures, "tickets": [t["number"] for t in issued]}
        for payment in payments:
            if payment["status"] == "refunded" and (payment.get("refund") or {}).get("amount") != due_back(
                    payment, order):
                violations.append(Violation("refund_rules", f"payment refunded {payment.get('refund')} of "
                                                            f"{payment['amount']} but the fare rules give "
                                                            f"{due_back(payment, order)}",
                                            dict(ids, payment_id=payment["id"])))
        status = order["status"]
        if status == "TICKETED":
            if not (kept == fares == order["amount"]):
                violations.append(Violation("money", f"TICKETED: kept {kept}, tickets' fares {fares}, "
                                                     f"order amount {order['amount']}", ids))
        elif status == "REFUNDED":
            refunded = sum(p["refund"]["amount"] for p in payments if p["status"] == "refunded")
            shown = (order.get("refund") or {}).get("amount")
            owed = sum(due_back(p, order) for p in payments if p["status"] == "refunded" and
                       p["id"] == order.get("payment_id"))
            if kept or issued or shown != owed or refunded < owed:
                violations.append(Violation("money", f"REFUNDED: kept {kept}, refunded {refunded}, order shows "
                                                     f"refund {shown} of {order['amount']}, {len(issued)} "
                                                     f"tickets still issued", ids))
        elif status != "PAID" and (kept or issued):
            violations.append(Violation("money", f"{status}: kept {kept}, {len(issued)} tickets issued", ids))
    return violations


@invariant
def no_seat_sold_twice(snapshot):
    holders = collections.defaultdict(set)
    for tickets in snapshot.tickets.values():
        for ticket in tickets:
            if ticket["status"] == "issued":
                holders[(ticket["flight_id"], ticket["seat"])].add(ticket["number"])
    for ticket in snapshot.active_tickets:
        holders[(ticket["flight_id"], ticket["seat"])].add(ticket["number"])
    return [Violation("seat_sold_twice", f"seat {seat} of flight {flight} on {len(numbers)} active tickets",
                      {"flight_id": flight, "seat": seat, "tickets": sorted(numbers)})
            for (flight, seat), numbers in holders.items() if len(numbers) > 1]


@invariant
def seat_maps_match_tickets(snapshot):
    issued = collections.defaultdict(set)
    for tickets in snapshot.tickets.values():
        for ticket in tickets:
            if ticket["status"] == "issued":
                issued[ticket["flight_id"]].add(ticket["seat"])
    violations = []
    for flight_id, seats in snapshot.seat_maps.items():
        sold = {s["seat"] for s in seats if s["status"] == "sold"}
        if sold != issued[flight_id]:
            violations.append(Violation("seat_map", "seat map's sold seats differ from the issued tickets", {
                "flight_id": flight_id, "sold_without_ticket": sorted(sold - issued[flight_id]),
                "ticket_without_sold_seat": sorted(issued[flight_id] - sold)}))
    return violations


@invariant
def no_server_errors(snapshot):
    return [Violation("server_error", f"{f['request']} answered {f.get('status', 'nothing')}: "
                                      f"{f.get('body') or f.get('error')}", {"path": f["path"], "at": f["at"]})
            for f in snapshot.recorder.failures]


@invariant
def idempotency_key_gives_one_order(snapshot):
    return [Violation("idempotency", "the same Idempotency-Key made two orders", dict(brk))
            for brk in snapshot.recorder.idempotency_breaks]


@invariant
def audit_finds_nothing(snapshot):
    """``make audit`` on the chaos system (its AMQP_URI and fast timers): every service's records
    reconciled, not only the buyers' orders; a finding counts if a second reading still has it."""
    try:
        result = audit_system(snapshot.config)
    except Unreachable as exc:
        return [Violation("audit", f"could not read the records: {exc}", {})]
    return [Violation("audit", f"{found.kind}: {found.what}", found.ids) for found in result.discrepancies]


def run_checks(snapshot, seen):
    """Every registered check; a violation already reported (``seen``: its key) is not repeated."""
    fresh = []
    for check in CHECKS:
        for violation in check(snapshot):
            key = (violation.check, violation.what, repr(sorted(violation.ids.items())))
            if key not in seen:
                seen.add(key)
                fresh.append(violation)
    return fresh
