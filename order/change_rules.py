"""The price of a voluntary change, and whether it may be made: plain functions, no
broker, no database. The one place these rules live (``order.changes`` asks them).

The rules are the ones the segment was SOLD under: the order's copy of its fares
(``order["fares"]``, one per segment and cabin class, kept when it was sold; see
``order.fare_rules``), never the catalogue's current ones. An order kept without them
(sold while track did not answer, or before fare families) was sold at standard: its
standard rules are asked of track then, as its cancellation does.

- A fare whose rules say ``changeable: false`` (light) is refused (``CHANGE_NOT_ALLOWED``).
- ``fee``: ``change_fee_percent`` of what the party paid for the segment (rounded down
  to the minor unit).
- ``fare_difference``: the party's price on the new flight at the SAME fare family (one
  seat's fare as track quotes it now, each passenger's share as booking prices it: a
  child 75 %, an infant 10 %) minus what it paid.
- The money moves once, netted as an airline does: on a refundable fare the fee and the
  difference make one sum, ``fee + fare_difference``: above zero it is ``amount_due``
  (charged), below zero its opposite is ``refund_due`` (given back), never both. A
  non-refundable fare keeps a cheaper flight's residual: ``amount_due`` = fee +
  max(0, difference), ``refund_due`` = 0.
- A disruption (``order.disruption``) whose options include ``move`` makes a change to a
  flight leaving before its ``until`` free: no fee and no fare difference.
- Once done, the order's fares for the segment are the new flight's (``changed_fares``):
  what it holds now, whose rules a later change or cancellation follows.
"""
from datetime import UTC, datetime

from common.errors import Conflict
from order.domain import CONNECTION_BROKEN, MOVE_OPTION, share_of_fare


def sold_fares(order, position):
    """The fares segment ``position`` was sold at (the order's copy: one per cabin class held)."""
    return [fare for fare in order.get("fares") or [] if fare["segment"] == position]


def fare_of_class(fares, cabin_class):
    """The fare of ``cabin_class`` among one segment's ``fares``; None if it has none."""
    return next((fare for fare in fares if fare["class"] == cabin_class), None)


def changed_fares(order, position, new_fares):
    """The order's fares once segment ``position`` is on the new flight: its entries
    replaced by ``new_fares`` (that segment's, the same families as quoted on the new flight)."""
    kept = [fare for fare in order.get("fares") or [] if fare["segment"] != position]
    return sorted(kept + list(new_fares), key=lambda fare: (fare["segment"], fare["class"]))


def moment(value):
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def disruption_move_applies(order, position, new_departure_at):
    """Whether the order's disruption offers a move of segment ``position`` (the disrupted
    one; either flight of a broken connection) and the new flight leaves before its ``until``."""
    disruption = order.get("disruption") or {}
    if disruption.get("reason") != CONNECTION_BROKEN and disruption.get("segment", position) != position:
        return False
    for option in disruption.get("options") or []:
        if option.get("type") == MOVE_OPTION and option.get("until") and new_departure_at:
            if moment(new_departure_at) < moment(option["until"]):
                return True
    return False


def check_changeable(rules, family):
    if not rules.get("changeable"):
        raise Conflict(f"The {family} fare does not allow changes.", code="CHANGE_NOT_ALLOWED",
                       details={"family": family})


def price_change(rules, paid, new_seat_fare, passenger_types, move=False):
    """``{fee, fare_difference, amount_due, refund_due}`` of moving a party to a flight whose
    seat costs ``new_seat_fare``. ``paid``: what each passenger paid for the segment;
    ``passenger_types``: each one's type (adult, child, infant), in the same order.
    ``move``: a disruption's free move (no fee, no difference)."""
    if move:
        return {"fee": 0, "fare_difference": 0, "amount_due": 0, "refund_due": 0}
    paid_total = sum(paid)
    new_total = sum(share_of_fare(new_seat_fare, kind or "adult") for kind in passenger_types)
    fee = paid_total * int(rules.get("change_fee_percent") or 0) // 100
    difference = new_total - paid_total
    if rules.get("refundable"):
        net = fee + difference  # one movement of money: a cheaper flight's residual pays the fee first
        return {"fee": fee, "fare_difference": difference, "amount_due": max(0, net), "refund_due": max(0, -net)}
    return {"fee": fee, "fare_difference": difference, "amount_due": fee + max(0, difference), "refund_due": 0}


def change_kept(change):
    """What a done change leaves with the airline: the money it moved (``amount_due`` in,
    ``refund_due`` out) less what the tickets' value moved (``fare_difference``): the fee,
    and a cheaper flight's residual a non-refundable fare keeps. A disruption's move: nothing."""
    if change.get("disruption_move"):
        return 0
    return change["amount_due"] - change["refund_due"] - change["fare_difference"]
