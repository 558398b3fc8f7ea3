"""The reconciliation itself: plain functions over the services' audit records, no broker.

``Records`` holds what ``order.audit_orders``, ``payment.audit_payments``,
``ticket.audit_tickets`` and ``ticket.audit_seats`` answered (dicts, as the audit
contract shapes them). Each invariant is ``function(records, rules) -> [Discrepancy]``,
registered with :func:`invariant`; :func:`reconcile` runs them all.
"""
import collections
import dataclasses
from datetime import UTC, datetime, timedelta

# payment statuses in which the processor took the card's money (refunding: not yet given back)
CAPTURED = ("succeeded", "refunding", "refunded")
TICKETED, REFUNDED, PENDING_PAYMENT = "TICKETED", "REFUNDED", "PENDING_PAYMENT"
ISSUED, CANCELLED, SOLD, HELD = "issued", "cancelled", "sold", "held"
# the refund reason of a customer's own cancellation: the one the fare rules decide
VOLUNTARY_CANCEL = "order_cancelled"
# the refund reason of a change's payment given back because its exchange was refused
CHANGE_FAILED = "change_failed"


@dataclasses.dataclass(frozen=True)
class Records:
    orders: list
    payments: list
    tickets: list
    seats: list  # only seats that are not available
    read_at: datetime  # when the reading started: the "now" of every time rule


@dataclasses.dataclass(frozen=True)
class Rules:
    """How late a hold may still be there: one expiry sweep plus a margin (seconds)."""

    expiry_sweep_seconds: float
    hold_margin_seconds: float

    @property
    def hold_allowance(self):
        return timedelta(seconds=self.expiry_sweep_seconds + self.hold_margin_seconds)


@dataclasses.dataclass
class Discrepancy:
    kind: str
    what: str
    ids: dict

    @property
    def key(self):
        """What makes two readings' findings the same one: the kind and the ids, not the figures."""
        return self.kind, tuple(sorted((name, _frozen(value)) for name, value in self.ids.items()))

    def line(self):
        ids = " ".join(f"{name}={_shown(value)}" for name, value in self.ids.items())
        return f"{self.kind}: {self.what} [{ids}]"


def _frozen(value):
    return tuple(value) if isinstance(value, list) else value


def _shown(value):
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def parse_time(text):
    """An ISO 8601 string from the contract as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


INVARIANTS = []


def invariant(function):
    INVARIANTS.append(function)
    return function


def reconcile(records, rules):
    """Every discrepancy every invariant finds in ``records``."""
    return [found for check in INVARIANTS for found in check(records, rules)]


# -- the invariants -----------------------------------------------------------------

def taken_payments(order, payments):
    """The payments whose money ``order`` holds (or held): its own and its confirmed changes'."""
    taken = {order.get("payment_id"), *(order.get("change_payments") or [])}
    return [payment for payment in payments if payment["id"] in taken and payment["status"] in CAPTURED]


@invariant
def captured_payments_belong_to_settled_orders(records, rules):
    """Money taken belongs to an order that is TICKETED by that very payment (or by a change
    it records), or it was given back by a refund the order records too (or, for a stray
    second capture the order never took, or a change's payment whose exchange was refused,
    a refund of the whole of it)."""
    orders = {order["id"]: order for order in records.orders}
    found = []
    for payment in records.payments:
        if payment["status"] not in CAPTURED:
            continue
        ids = {"payment_id": payment["id"], "order_id": payment["order_id"]}
        order = orders.get(payment["order_id"])
        if order is None:
            found.append(Discrepancy("payment_without_order", f"a {payment['status']} payment of "
                                     f"{payment['amount']} {payment['currency']} for an order order does not know",
                                     ids))
            continue
        ids["flight_id"] = order["flight_id"]
        if payment.get("change_id"):
            found += change_payment_discrepancies(payment, order, dict(ids, change_id=payment["change_id"]))
            continue
        the_orders_payment = order.get("payment_id") == payment["id"]
        refund = payment.get("refund")
        if payment["status"] == "succeeded":
            if not (the_orders_payment and order["status"] == TICKETED):
                taken_by = "its payment" if the_orders_payment else f"paid by {order.get('payment_id')}"
                found.append(Discrepancy("captured_not_ticketed", f"payment succeeded but the order is "
                                         f"{order['status']} ({taken_by})", ids))
        elif payment["status"] == "refunding":
            found.append(Discrepancy("refund_unfinished", f"refund {(refund or {}).get('refund_id')} of "
                                     f"{(refund or {}).get('amount')} still not given back; order {order['status']}",
                                     ids))
        elif refund is None:
            found.append(Discrepancy("refund_missing", "payment refunded without a refund record", ids))
        elif the_orders_payment:
            shown = order.get("refund") or {}
            if order["status"] != REFUNDED or (shown.get("refund_id"), shown.get("amount")) != (
                    refund["refund_id"], refund["amount"]):
                found.append(Discrepancy("refund_not_on_order", f"refund {refund['refund_id']} of {refund['amount']} "
                                         f"but the order is {order['status']} showing refund {shown or None}",
                                         dict(ids, refund_id=refund["refund_id"])))
        elif refund["amount"] != payment["amount"]:
            found.append(Discrepancy("stray_capture_kept", f"a capture the order never took, refunded "
                                     f"{refund['amount']} of {payment['amount']}",
                                     dict(ids, refund_id=refund["refund_id"])))
    return found


def change_payment_discrepancies(payment, order, ids):
    """A change's payment: held by a TICKETED order that records it, given back whole when
    its change failed (not recorded on the order), or refunded with its order's cancellation."""
    taken = payment["id"] in (order.get("change_payments") or [])
    refund = payment.get("refund")
    if payment["status"] == "succeeded":
        if not (taken and order["status"] == TICKETED):
            return [Discrepancy("change_capture_not_taken", f"a change's payment succeeded but the order is "
                                f"{order['status']} and {'records' if taken else 'does not record'} it", ids)]
    elif payment["status"] == "refunding":
        return [Discrepancy("refund_unfinished", f"refund {(refund or {}).get('refund_id')} of "
                            f"{(refund or {}).get('amount')} still not given back; order {order['status']}", ids)]
    elif refund is None:
        return [Discrepancy("refund_missing", "payment refunded without a refund record", ids)]
    elif not taken or refund.get("reason") == CHANGE_FAILED:
        # its change failed (or the order closed before it was recorded): given back whole
        if taken or refund["amount"] != payment["amount"]:
            return [Discrepancy("change_refund_wrong", f"a failed change's payment refunded {refund['amount']} of "
                                f"{payment['amount']}, the order {'records' if taken else 'does not record'} it",
                                dict(ids, refund_id=refund["refund_id"]))]
    elif order["status"] != REFUNDED:
        return [Discrepancy("refund_not_on_order", f"a change's payment refunded {refund['amount']} "
                            f"({refund.get('reason')}) but the order is {order['status']}",
                            dict(ids, refund_id=refund["refund_id"]))]
    return []


@invariant
def residual_refunds_finish(records, rules):
    """A change's residual refund taken from a payment is given back (not left refunding)."""
    return [Discrepancy("refund_unfinished", f"residual refund {refund['refund_id']} of {refund['amount']} for "
                        f"change {refund.get('change_id')} still not given back",
                        {"payment_id": payment["id"], "order_id": payment["order_id"],
                         "refund_id": refund["refund_id"]})
            for payment in records.payments for refund in payment.get("partial_refunds") or []
            if refund["status"] != "refunded"]


@invariant
def issued_tickets_match_sold_seats(records, rules):
    """An issued ticket's seat is sold to the ticket's order, and a sold seat has an issued
    ticket of its order (ticket sells seats and issues tickets in one transaction)."""
    seats = {(seat["flight_id"], seat["seat"]): seat for seat in records.seats}
    ticketed = set()
    found = []
    for ticket in records.tickets:
        if ticket["status"] != ISSUED:
            continue
        place = (ticket["flight_id"], ticket["seat"])
        ticketed.add((*place, ticket["order_id"]))
        seat = seats.get(place)
        if seat is None or seat["status"] != SOLD or seat["order_id"] != ticket["order_id"]:
            state = "available" if seat is None else f"{seat['status']} to order {seat['order_id']}"
            found.append(Discrepancy("ticket_seat_not_sold", f"ticket issued but its seat is {state}", {
                "ticket": ticket["number"], "order_id": ticket["order_id"], "flight_id": ticket["flight_id"],
                "seat": ticket["seat"]}))
    for seat in records.seats:
        if seat["status"] == SOLD and (seat["flight_id"], seat["seat"], seat["order_id"]) not in ticketed:
            found.append(Discrepancy("sold_seat_without_ticket", "seat sold with no issued ticket of its order", {
                "flight_id": seat["flight_id"], "seat": seat["seat"], "order_id": seat["order_id"]}))
    return found


@invariant
def no_seat_sold_twice(records, rules):
    holders = collections.defaultdict(set)
    for ticket in records.tickets:
        if ticket["status"] == ISSUED:
            holders[(ticket["flight_id"], ticket["seat"])].add(ticket["number"])
    found = [Discrepancy("seat_sold_twice", f"{len(numbers)} issued tickets for one seat",
                         {"flight_id": flight, "seat": seat, "tickets": sorted(numbers)})
             for (flight, seat), numbers in holders.items() if len(numbers) > 1]
    buyers = collections.defaultdict(set)
    for seat in records.seats:
        if seat["status"] == SOLD:
            buyers[(seat["flight_id"], seat["seat"])].add(seat["order_id"])
    found += [Discrepancy("seat_sold_twice", f"seat sold to {len(orders)} orders",
                          {"flight_id": flight, "seat": seat, "orders": sorted(orders)})
              for (flight, seat), orders in buyers.items() if len(orders) > 1]
    return found


@invariant
def no_hold_outlives_its_sweep(records, rules):
    """A lapsed hold is tidied by the next expiry sweep: seats by ticket's, unpaid orders by order's."""
    cutoff = records.read_at - rules.hold_allowance
    found = []
    for seat in records.seats:
        if seat["status"] == HELD and seat.get("hold_expires_at") and parse_time(seat["hold_expires_at"]) < cutoff:
            found.append(Discrepancy("hold_overdue", f"seat held past its expiry {seat['hold_expires_at']} "
                                     f"by more than {rules.hold_allowance.total_seconds():g}s",
                                     {"flight_id": seat["flight_id"], "seat": seat["seat"],
                                      "order_id": seat["order_id"]}))
    for order in records.orders:
        if order["status"] == PENDING_PAYMENT and parse_time(order["expires_at"]) < cutoff:
            found.append(Discrepancy("order_hold_overdue", f"order still PENDING_PAYMENT past its expiry "
                                     f"{order['expires_at']} by more than {rules.hold_allowance.total_seconds():g}s",
                                     {"order_id": order["id"], "flight_id": order["flight_id"]}))
    return found


@invariant
def refunds_follow_the_fare_rules(records, rules):
    """The refund of an order its customer cancelled is what order's fare rules said
    (``refund_due``, decided at the cancellation), taken together over the payments the
    order holds (its own and its changes'); any other refund (the airline cancelled, the
    hold was lost, ticketing failed) is all of each. A capture the order never took, or a
    failed change's payment, is another invariant's to check."""
    payments = collections.defaultdict(list)
    for payment in records.payments:
        payments[payment["order_id"]].append(payment)
    found = []
    for order in records.orders:
        taken = taken_payments(order, payments[order["id"]])
        refunded = [payment for payment in taken if payment["status"] == "refunded" and payment.get("refund")]
        if not refunded:
            continue
        if voluntary_terms(order, refunded):
            if len(refunded) != len(taken):
                continue  # the rest is being refunded (refund_unfinished, or not asked yet: money_mismatch)
            given = sum(payment["refund"]["amount"] for payment in refunded)
            if given != order["refund_due"]["amount"]:
                found.append(Discrepancy("refund_against_fare_rules", f"refunded {given} of "
                                         f"{sum(p['amount'] for p in taken)} {taken[0]['currency']} over "
                                         f"{len(taken)} payment(s) but the rules give {order['refund_due']['amount']}",
                                         {"order_id": order["id"], "payments": sorted(p["id"] for p in taken)}))
            continue
        for payment in refunded:
            refund = payment["refund"]
            if refund["amount"] != refundable(payment):
                found.append(Discrepancy("refund_against_fare_rules", f"refunded {refund['amount']} of "
                                         f"{payment['amount']} {payment['currency']} ({refund.get('reason')}) but "
                                         f"the rules give {payment['amount']} (refund_due {order.get('refund_due')})", {
                                             "payment_id": payment["id"], "order_id": order["id"],
                                             "refund_id": refund["refund_id"]}))
    return found


def voluntary_terms(order, refunded):
    """Whether ``refunded`` (the order's payments refunded) were given back by the fare rules
    of the customer's cancellation (else each was given back whole)."""
    return bool(order.get("refund_due")) and all(
        payment["refund"].get("reason") in (VOLUNTARY_CANCEL, None) for payment in refunded)


def kept_of(order, payments):
    """What the airline kept of the money ``order`` holds: what its changes kept while it is
    not refunded; once every payment it holds is refunded, what they captured less what
    went back, when that is what the rules said (else nothing is kept, and money does not
    add up)."""
    taken = taken_payments(order, payments)
    refunded = [payment for payment in taken if payment["status"] == "refunded" and payment.get("refund")]
    if not refunded:
        return int(order.get("change_kept") or 0)
    if len(refunded) != len(taken):
        return 0
    given = sum(payment["refund"]["amount"] for payment in refunded)
    if voluntary_terms(order, refunded):
        as_ruled = given == order["refund_due"]["amount"]
    else:
        as_ruled = all(payment["refund"]["amount"] == refundable(payment) for payment in refunded)
    held = sum(refundable(payment) for payment in taken)
    return held - given if as_ruled else 0


def partly_refunded(payment, status="refunded"):
    """What changes' residual refunds gave back of a payment (``status`` refunded) or are giving back."""
    return sum(refund["amount"] for refund in payment.get("partial_refunds") or [] if refund["status"] == status)


def refundable(payment):
    """What a payment held once changes' residual refunds were taken from it."""
    return payment["amount"] - partly_refunded(payment) - partly_refunded(payment, "refunding")


@invariant
def money_adds_up(records, rules):
    """Per order and currency: money captured = fares of the tickets issued + money refunded
    + money the fare rules kept of a cancellation (or, while not cancelled, what its voluntary
    changes kept: fees) + money owed (the fares of tickets an
    aircraft swap cancelled, while the traveller of that still ticketed booking has not
    chosen a refund or a move)."""
    flights = {order["id"]: order["flight_id"] for order in records.orders}
    found = []
    for (order_id, currency), books in sorted(ledgers(records).items()):
        if books["captured"] != books["ticketed"] + books["refunded"] + books["kept"] + books["owed"]:
            found.append(Discrepancy("money_mismatch", f"captured {books['captured']} {currency} but tickets issued "
                                     f"{books['ticketed']} + refunded {books['refunded']} + kept by the fare rules "
                                     f"{books['kept']} + owed {books['owed']}", {
                                         "order_id": order_id, "flight_id": flights.get(order_id),
                                         "payments": sorted(books["payments"]), "tickets": sorted(books["tickets"])}))
    return found


def ledgers(records):
    """``{(order_id, currency): {captured, ticketed, refunded, kept, owed, payments, tickets}}``."""
    books = collections.defaultdict(lambda: {"captured": 0, "ticketed": 0, "refunded": 0, "kept": 0, "owed": 0,
                                             "payments": [], "tickets": []})
    payments = collections.defaultdict(list)
    displaced = {order["id"] for order in records.orders if order.get("seats_lost") and order["status"] == TICKETED}
    for payment in records.payments:
        if payment["status"] in CAPTURED:
            entry = books[(payment["order_id"], payment["currency"])]
            entry["captured"] += payment["amount"]
            entry["payments"].append(payment["id"])
            payments[payment["order_id"]].append(payment)
            entry["refunded"] += partly_refunded(payment)
            if payment["status"] == "refunded" and payment.get("refund"):
                entry["refunded"] += payment["refund"]["amount"]
    for order in records.orders:
        kept = kept_of(order, payments[order["id"]])
        if kept:
            books[(order["id"], order["currency"])]["kept"] += kept
    for ticket in records.tickets:
        if ticket["status"] == ISSUED:
            entry = books[(ticket["order_id"], ticket["currency"])]
            entry["ticketed"] += ticket["fare"]
            entry["tickets"].append(ticket["number"])
        elif ticket["status"] == CANCELLED and ticket["order_id"] in displaced:
            # an exchanged one is not owed: the traveller took the move, its new ticket is issued
            books[(ticket["order_id"], ticket["currency"])]["owed"] += ticket["fare"]
    return books


def totals(records):
    """The whole system's books per currency: ``{currency: {captured, ticketed, refunded, kept}}``."""
    summed = collections.defaultdict(lambda: {"captured": 0, "ticketed": 0, "refunded": 0, "kept": 0})
    for (_, currency), books in ledgers(records).items():
        for name in ("captured", "ticketed", "refunded", "kept"):
            summed[currency][name] += books[name]
    return dict(summed)
