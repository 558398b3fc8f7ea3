"""What notify tells a traveller, and when: pure rules, no I/O.

A *fact* is something that happened to a booking (its tickets were issued, it was
cancelled, its payment refunded, check-in for one of its flights opened, one of its
flights was disrupted, it was changed to another flight). Each fact makes one message of
the same kind. The dedup key is
``(kind, order_id, fact_key)``, enforced by a unique constraint in the store, so a
replayed or redelivered event finds its message already there and sends nothing.
``fact_key`` tells apart the facts of one kind that may happen to a booking more than
once: empty for most kinds (one per booking), the flight for ``check_in_open``, the
flight and the reason for ``disrupted``, the change for ``changed``.
"""
import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.errors import InvalidInput

TICKETED = "ticketed"
CANCELLED = "cancelled"
EXPIRED = "expired"
REFUNDED = "refunded"
CHECK_IN_OPEN = "check_in_open"
DISRUPTED = "disrupted"
CHANGED = "changed"
KINDS = (TICKETED, CANCELLED, EXPIRED, REFUNDED, CHECK_IN_OPEN, DISRUPTED, CHANGED)

MAX_PAGE = 100

# Why a booking was cancelled or refunded, as the traveller reads it (the reasons of
# order_cancelled / order_expired / payment_refunded, docs/booking.md).
REASONS = {
    "order_cancelled": "you cancelled the booking",
    "flight_cancelled": "the flight was cancelled",
    "expired": "it was not paid before the hold on its seats ran out",
    "hold_lost": "the seats could no longer be held when your payment arrived",
    "flight_departed": "the flight had already closed when your payment arrived",
    "ticketing_failed": "we could not issue the tickets",
    "order_expired": "the payment arrived after the booking had expired",
    "order_paid": "the booking had already been paid by another payment",
    "order_ticketed": "the booking had already been paid by another payment",
    "order_refunded": "the booking had already been refunded",
    # why a booking is disrupted (order's booking_disrupted)
    "cancelled": "the flight was cancelled",
    "delayed": "the flight is delayed",
    "delay": "the flight is delayed",
    "retimed": "the flight's times have changed",
    "connection_broken": "a change of schedule leaves too little time for your connection",
    "missed_connection": "a change of schedule leaves too little time for your connection",
    "aircraft_change": "the aircraft was changed and has no seat for you",
}

# What a disrupted traveller may do (``booking_disrupted``'s ``options``)
OPTIONS = {
    "refund": "Cancel the booking for a full refund.",
    "move": "Move to another flight on the same route at no cost",
}

# What to do next, per kind (the templates show these as a list).
NEXT_STEPS = {
    TICKETED: [
        "Keep this email: your ticket numbers are your proof of purchase.",
        "Check your names against your passport or ID; they must match at the airport.",
        "Quote your booking reference {booking_ref} whenever you contact us.",
    ],
    CANCELLED: [
        "Nothing more is needed from you.",
    ],
    EXPIRED: [
        "The seats were released. Search again and place a new booking if you still want to travel.",
    ],
    REFUNDED: [
        "The refund goes back to the card you paid with; your bank may take a few days to show it.",
    ],
    CHECK_IN_OPEN: [
        "Check in online: sign in and open My trips, or use your booking reference {booking_ref} "
        "and the passenger's last name.",
        "Keep your boarding pass on your phone or print it, and bring the passport or ID whose "
        "name is on the ticket.",
    ],
    DISRUPTED: [
        "Nothing changes on your booking until you choose; quote your booking reference {booking_ref} "
        "whenever you contact us.",
    ],
    CHANGED: [
        "Travel with the new e-tickets above: the ones they replace are no longer valid.",
        "Check your new departure time; check-in for the new flight opens before it as usual.",
        "Quote your booking reference {booking_ref} whenever you contact us.",
    ],
}


def utcnow():
    return datetime.now(UTC)


def fact_key(kind, fact):
    """What tells apart two facts of ``kind`` about one booking: the flight whose check-in
    opened; the flight and the reason of a disruption (a replay of it, same key, sends
    nothing; a second reason for the same flight is a new message); the change (a booking
    may change several times, each its own message). Empty otherwise."""
    if kind == CHECK_IN_OPEN:
        return str(fact["flight_id"])
    if kind == DISRUPTED:
        return f"{fact['flight_id']}:{fact['reason']}"
    if kind == CHANGED:
        return str(fact["change_id"])
    return ""


def dedup_key(kind, order_id, key=""):
    """The one message a booking gets for ``kind`` (and ``fact_key``); what the store's
    unique constraint holds."""
    if kind not in KINDS:
        raise ValueError(f"not a kind of message: {kind!r}")
    return kind, str(order_id), key


def worth_telling(kind, order):
    """Whether the fact still means something to the booking ``order`` (order's answer) is
    in now: "check-in is open" for a booking cancelled meanwhile would mislead."""
    return kind != CHECK_IN_OPEN or order.get("status") == "TICKETED"


def reason_text(reason):
    return REASONS.get(reason, (reason or "").replace("_", " "))


def cancelled_paid(fact):
    """A cancelled booking that was paid: its tickets are cancelled and a refund follows."""
    return bool(fact.get("paid"))


def next_steps(kind, booking_ref, fact=None):
    steps = [step.replace("{booking_ref}", booking_ref or "") for step in NEXT_STEPS[kind]]
    if kind == CANCELLED and cancelled_paid(fact or {}):
        steps = ["Your tickets are cancelled; the refund follows in a separate email."]
    if kind == DISRUPTED:
        steps = [option_text(option) for option in (fact or {}).get("options") or []] + steps
    return steps


def option_text(option):
    """One choice of a disrupted traveller, in words. An option is a name (``"refund"``) or
    an object with ``type`` (or ``kind``) and, for a move, until when (``until``,
    ``window_ends_at``) or for how long (``window_hours``)."""
    if not isinstance(option, dict):
        option = {"type": option}
    name = str(option.get("type") or option.get("kind") or option.get("option") or "")
    text = OPTIONS.get(name, name.replace("_", " ").capitalize() + ".")
    if name == "move":
        until = option.get("until") or option.get("window_ends_at")
        if until:
            text += f" (a flight departing by {time_text(until, None)})."
        elif option.get("window_hours"):
            text += f" (a flight within {option['window_hours']} hours of yours)."
        else:
            text += "."
    return text


def changed_flights(fact):
    """``(old, new)``: the flights of a ``booking_changed`` fact as ``leg`` reads them (with
    their ids), each None when the fact does not carry it; ``(None, None)`` for other facts."""
    def flight(key, id_key):
        return dict(fact[key], id=fact.get(id_key)) if fact.get(key) else None
    return flight("old_flight", "old_flight_id"), flight("new_flight", "new_flight_id")


# -- money and time, as a traveller reads them ----------------------------------------

# ISO 4217 currencies without two decimals (the platform keeps minor units).
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
              "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3}


def money(amount, currency):
    """``1250000, "IDR"`` → ``"IDR 12,500.00"`` (amounts are minor units)."""
    if amount is None:
        return ""
    exponent = _EXPONENTS.get((currency or "").upper(), 2)
    value = amount / 10 ** exponent
    return f"{currency} {value:,.{exponent}f}"


def change_money(fact, currency):
    """What the email of a change says of its money: ``change_fee`` and ``fare_difference``
    (the parts the quote netted) and the one movement, ``amount_charged`` or
    ``amount_given_back`` (empty when it did not happen). All empty for other facts."""
    return {
        "change_fee": money(fact.get("fee"), currency),
        "fare_difference": money(fact.get("fare_difference"), currency),
        "amount_charged": money(fact["amount_due"], currency) if fact.get("amount_due") else "",
        "amount_given_back": money(fact["refund_due"], currency) if fact.get("refund_due") else "",
    }


def parse_time(value):
    """An ISO 8601 string (or datetime) as an aware UTC datetime; None stays None."""
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def local_time(value, tz_name):
    """A time as it reads at an airport: ``"Tue 01 Dec 2026 15:30 WIB (UTC+07:00)"``.
    Without the airport's zone, the time in UTC."""
    moment = parse_time(value)
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(tz_name) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def time_text(value, tz_name):
    """``local_time``, or the value as it came when it is not a time (a producer's slip
    must not cost the traveller the whole message)."""
    try:
        return local_time(value, tz_name)
    except (ValueError, TypeError):
        return str(value)


def leg(flight, zones):
    """One flight of the itinerary, for the templates. ``zones``: airport code → IANA zone."""
    origin, destination = flight.get("origin"), flight.get("destination")
    return {
        "flight_id": flight.get("id"),
        "flight_number": flight.get("flight_number") or "",
        "origin": origin, "destination": destination,
        "departure_local": local_time(flight.get("departure_at"), zones.get(origin)),
        "arrival_local": local_time(flight.get("arrival_at"), zones.get(destination)),
        "status": flight.get("status"),
        "origin_tz": zones.get(origin),
    }


def leg_of(itinerary, flight_id):
    """The leg of ``flight_id`` in the itinerary, or None."""
    return next((one for one in itinerary if flight_id and one["flight_id"] == flight_id), None)


def booking_told(fact):
    """The booking as a ``tickets_issued`` from a ticketing tells it (order's reference,
    owner, amount paid and flights, as ``order.get_order`` answers them), or None when the
    fact does not carry it (a relayed or an older event): then order is asked."""
    if not fact.get("booking_ref") or fact.get("amount") is None or not fact.get("user_id") \
            or not fact.get("flight_ids"):
        return None
    return {"id": fact["order_id"], "user_id": fact["user_id"], "booking_ref": fact["booking_ref"],
            "amount": fact["amount"], "currency": fact.get("currency"),
            "segments": [{"flight_id": flight_id} for flight_id in fact["flight_ids"]]}


def flight_ids(order):
    """The flights of a booking, in travel order (one today; a segment list tomorrow)."""
    segments = order.get("segments")
    if segments:
        return [segment["flight_id"] for segment in segments if segment.get("flight_id")]
    return [order["flight_id"]] if order.get("flight_id") else []


# -- paging (newest first) ----------------------------------------------------------------

def encode_cursor(created_at, notification_id):
    raw = json.dumps([created_at.isoformat(), str(notification_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """``(created_at, id)`` of a cursor made by ``encode_cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, notification_id = json.loads(raw)
        return parse_time(created_at), uuid.UUID(notification_id)
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor.", details={"fields": {"cursor": ["Not a cursor from this API."]}})
