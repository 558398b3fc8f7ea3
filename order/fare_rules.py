"""What a cancelled order gives back: the rules of the fares it was sold under, applied
to what each segment cost. One pure function, ``refund_terms``; order asks it when a
customer cancels (and shows it on the order before they do), the amount travels with
``order_cancelled`` → ticket → ``tickets_cancelled`` → payment, which refunds it.

The rules are the ones track quoted when the order was sold (``order["fares"]``: one
entry per segment and class, with the family's ``rules``), never the catalogue's
current ones. Per entry, of what the passengers paid on that segment in that class:

- not ``refundable`` (light): nothing back;
- refundable: all of it less ``refund_fee_percent`` of it (standard: less the fee; flex: 0%);
- what voluntary changes kept (``change_kept``: their fees, a cheaper flight's residual
  a non-refundable fare keeps) stays kept;
- whatever the family, a cancellation the airline caused (``AIRLINE_REASONS``: the flight
  cancelled, a disruption of the booking) gives everything back, change fees included.

``amount`` is the money the order holds (its own payment plus what its changes charged),
so the refund is never more than was captured.

An order stored before fare families (no ``fares``) was sold with a full refund: it keeps it.
After departure nothing is refunded at all: that is decided before (``FLIGHT_DEPARTED``).
"""
VOLUNTARY = "order_cancelled"
# the airline's doing: the traveller gets all of it back, whatever the fare's rules
AIRLINE_REASONS = ("flight_cancelled", "disruption")
CANCEL_REASONS = (VOLUNTARY, *AIRLINE_REASONS)


def cancel_reason(order):
    """Why the customer's cancellation happens: a booking the airline disrupted (``disruption``
    on the order) is the airline's doing; otherwise it is the customer's choice."""
    return "disruption" if order.get("disruption") else VOLUNTARY


def refund_terms(order, reason=VOLUNTARY):
    """``{"amount", "kept", "reason"}``: what cancelling ``order`` for ``reason`` refunds, and
    what the fare rules keep (``amount + kept`` is what the order cost)."""
    paid = int(order["amount"])
    fares = order.get("fares")
    if reason in AIRLINE_REASONS or not fares:
        return {"amount": paid, "kept": 0, "reason": reason}
    kept = sum(kept_by_rules(fare["rules"], paid_for(order, fare)) for fare in fares)
    kept = min(kept + int(order.get("change_kept") or 0), paid)
    return {"amount": paid - kept, "kept": kept, "reason": reason}


def kept_by_rules(rules, paid):
    """What one fare's rules keep of ``paid`` (a fee is rounded down, in the customer's favour)."""
    if not rules.get("refundable"):
        return paid
    return paid * int(rules.get("refund_fee_percent") or 0) // 100


def paid_for(order, fare):
    """What the order's passengers paid on the fare's segment in its class."""
    position, cabin_class = fare["segment"], fare["class"]
    if "segments" not in order:  # the one-flight form: passengers {name, seat, class, price}
        return sum(p["price"] for p in order["passengers"] if p.get("class") == cabin_class)
    return sum(p["segments"][position]["price"] for p in order["passengers"]
               if p["segments"][position]["class"] == cabin_class)
