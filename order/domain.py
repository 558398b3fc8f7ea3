"""Order rules that need no broker and no database: states, transitions,
when a booking can no longer be cancelled, booking references, request fingerprints,
the events order publishes (through its outbox, ``order.outbox``)."""
import hashlib
import json
import secrets
from datetime import UTC, datetime

PENDING_PAYMENT = "PENDING_PAYMENT"
PAID = "PAID"
TICKETED = "TICKETED"
EXPIRED = "EXPIRED"
CANCELLED = "CANCELLED"
REFUNDED = "REFUNDED"

STATES = (PENDING_PAYMENT, PAID, TICKETED, EXPIRED, CANCELLED, REFUNDED)

# Every allowed move; a state is never entered twice in one order's life, which
# is why the history can be a map {status: timestamp} (see store.OrderStore.transition).
TRANSITIONS = {
    PENDING_PAYMENT: frozenset({PAID, EXPIRED, CANCELLED}),
    PAID: frozenset({TICKETED, REFUNDED}),
    TICKETED: frozenset({REFUNDED}),
    EXPIRED: frozenset(),
    CANCELLED: frozenset(),
    REFUNDED: frozenset(),
}

# Booking references avoid characters people confuse when reading them aloud
# or off a screen: no 0/O, 1/I/L.
BOOKING_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BOOKING_REF_LENGTH = 6


def can_transition(current, target):
    return target in TRANSITIONS.get(current, ())


def sources_of(target):
    """The states from which ``target`` may be entered (the filter of a conditional update)."""
    return sorted(state for state, targets in TRANSITIONS.items() if target in targets)


def is_final(status):
    return not TRANSITIONS.get(status)


def is_payable(order, now):
    """Whether a payment may be taken for ``order`` at ``now``: it waits for payment and its
    hold has not lapsed. The one statement of this rule; payment asks order (``pay_order``)."""
    return order["status"] == PENDING_PAYMENT and order["expires_at"] > now


def cancel_action(status):
    """What a user's cancel request does to an order in ``status``.

    ``"cancel"``: the order becomes CANCELLED at once (nothing was paid).
    ``"refund"``: the tickets are cancelled and the payment refunded; the order
    becomes REFUNDED when the refund is confirmed.
    ``"wait"``: paid but the tickets are still being issued; ask again shortly.
    ``"none"``: already in a final state; the answer is the order as it is.
    """
    if status == PENDING_PAYMENT:
        return "cancel"
    if status == TICKETED:
        return "refund"
    if status == PAID:
        return "wait"
    return "none"


# Track's flight statuses (track/domain.py) from which a booking is used, or being
# used: no cancellation and no refund any more. A cancelled flight is not among them:
# its bookings are refunded by the flight's cancellation.
DEPARTED_FLIGHT_STATUSES = frozenset({"boarding", "departed", "arrived"})
FLIGHT_CANCELLED = "cancelled"


def flight_has_departed(flight, now):
    """Whether the flight (track's ``get_flight`` answer: ``status``, ``departure_at``)
    is boarding, gone, or past its departure time at ``now``."""
    if flight["status"] in DEPARTED_FLIGHT_STATUSES:
        return True
    if flight["status"] == FLIGHT_CANCELLED or not flight.get("departure_at"):
        return False
    departure = datetime.fromisoformat(flight["departure_at"])
    if departure.tzinfo is None:
        departure = departure.replace(tzinfo=UTC)
    return departure <= now


def new_event(event_type, payload, now=None):
    """An event for the order's outbox. Its id sorts by creation time (the relay publishes
    an order's events in that order) and is a plain MongoDB field name."""
    return {"id": f"e{epoch_millis(now or utcnow()):013d}{secrets.token_hex(4)}", "type": event_type,
            "payload": payload}


def closing_payload(order, paid, reason):
    """``order_cancelled`` / ``order_expired``: what ticket needs to free or cancel the seats."""
    return {"order_id": order["_id"], "flight_id": order["flight_id"],
            "seats": [passenger["seat"] for passenger in order["passengers"]], "paid": paid, "reason": reason}


def paid_payload(order, payment_id):
    """``order_paid``: what ticket needs to issue the tickets."""
    return {"order_id": order["_id"], "user_id": order["user_id"], "flight_id": order["flight_id"],
            "payment_id": payment_id, "amount": order["amount"], "currency": order["currency"],
            "passengers": order["passengers"]}


def new_booking_ref(randbelow=secrets.randbelow):
    return "".join(BOOKING_REF_ALPHABET[randbelow(len(BOOKING_REF_ALPHABET))] for _ in range(BOOKING_REF_LENGTH))


def request_fingerprint(data):
    """A stable digest of a request body: same content, same digest, whatever the key order."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def assign_seats(passengers, held_seats):
    """Pair passengers with the hold's seats.

    ``hold_seats`` answers the named seats first, in the order asked, then the
    seats it assigned; passengers who named a seat get it, the others take the
    assigned ones in turn.
    """
    by_name = {seat["seat"]: seat for seat in held_seats}
    named = {p["seat"] for p in passengers if p.get("seat")}
    assigned = iter(seat for seat in held_seats if seat["seat"] not in named)
    result = []
    for passenger in passengers:
        seat = by_name[passenger["seat"]] if passenger.get("seat") else next(assigned)
        result.append({"name": passenger["name"], "seat": seat["seat"], "class": seat["class"], "price": seat["price"]})
    return result


def utcnow():
    return to_millis(datetime.now(UTC))


def to_millis(moment):
    """BSON dates keep milliseconds: cut the rest so an order reads back as it was answered."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def epoch_millis(moment):
    """Milliseconds since the epoch: how the outbox stores times it compares (the local
    MongoDB stand-in reads a datetime written by ``$set`` back as a string)."""
    return int(moment.timestamp() * 1000)


def iso(moment):
    """ISO 8601 with an explicit UTC offset, whatever tz the driver gave back."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def history_list(history):
    """The stored ``{status: at}`` map as the contract's ``[{status, at}]``, oldest first."""
    entries = [{"status": status, "at": iso(at)} for status, at in (history or {}).items()]
    return sorted(entries, key=lambda entry: (entry["at"], STATES.index(entry["status"])))
