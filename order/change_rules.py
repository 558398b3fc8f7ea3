"""The price of a voluntary change, and whether it may be made: plain functions, no
broker, no database. The one place these rules live (``order.changes`` asks them).

The fare's rules are the family's as track answers them (``fare_quote``: ``changeable``,
``change_fee_percent``, ``refundable``). Once orders keep the rules they were sold under,
``segment_rules``' caller is the one line to point at the order's copy.

- A family whose rules say ``changeable: false`` is refused (``CHANGE_NOT_ALLOWED``).
- ``fee``: ``change_fee_percent`` of what the party paid for the segment (rounded down
  to the minor unit).
- ``fare_difference``: the party's price on the new flight (each passenger's share as
  booking prices it: a child 75 %, an infant 10 % of the seat's fare) minus what it paid.
- ``amount_due`` = max(0, difference) + fee; ``refund_due`` = the residual of a cheaper
  flight, only where the family is refundable (0 otherwise).
- A disruption (``order.disruption``) whose options include ``move`` makes a change to a
  flight leaving before its ``until`` free: no fee and no fare difference.
"""
from datetime import UTC, datetime

from common.errors import Conflict
from order.domain import share_of_fare

STANDARD = "standard"
MOVE = "move"


def family_of(order, position):
    """The fare family segment ``position`` was sold as (a one-flight order: standard)."""
    segments = order.get("segments")
    return (segments[position].get("fare") if segments else None) or STANDARD


def moment(value):
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def disruption_move_applies(order, new_departure_at):
    """Whether the order's disruption offers a move and the new flight leaves before its ``until``."""
    disruption = order.get("disruption") or {}
    for option in disruption.get("options") or []:
        if option.get("type") == MOVE and option.get("until") and new_departure_at:
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
    refund = -difference if difference < 0 and rules.get("refundable") else 0
    return {"fee": fee, "fare_difference": difference, "amount_due": max(0, difference) + fee,
            "refund_due": refund}
