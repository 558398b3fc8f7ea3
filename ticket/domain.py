"""Rules of the seat inventory and e-tickets, as plain functions (no database, no broker)."""
import re
from collections import namedtuple
from datetime import timedelta
from itertools import groupby

from common.errors import Conflict, InvalidInput

AVAILABLE, HELD, SOLD = "available", "held", "sold"

OPEN, CLOSED = "open", "closed"
# track statuses after which nobody may book the flight any more
CLOSING_STATUSES = ("departed", "arrived", "cancelled")
# a track status that stops booking for as long as it lasts (boarding can go back to delayed)
BOARDING = "boarding"
# why a flight takes no holds and issues no tickets (``FLIGHT_NOT_BOOKABLE``'s ``details.reason``)
DEPARTED = "departed"

# ticket's record of an order: held (seats held) -> ticketed (tickets issued)
# -> closed (released, expired, cancelled or hold lost; tickets cancelled)
ORDER_HELD, ORDER_TICKETED, ORDER_CLOSED = "held", "ticketed", "closed"

ISSUED, CANCELLED = "issued", "cancelled"

# reasons carried by ``tickets_cancelled``
REASON_ORDER_CANCELLED = "order_cancelled"
REASON_FLIGHT_CANCELLED = "flight_cancelled"
REASON_HOLD_LOST = "hold_lost"
REASON_FLIGHT_DEPARTED = "flight_departed"  # paid, but the airplane had left (or was boarding)
REASON_TICKETING_FAILED = "ticketing_failed"  # order_paid kept failing and was dead-lettered
REASON_DISRUPTION = "disruption"  # a disrupted booking cancelled by its traveller (order's reason)
# the reasons of order_cancelled that tickets_cancelled (and so the refund) carries on as they are
KEPT_CLOSING_REASONS = (REASON_FLIGHT_CANCELLED, REASON_DISRUPTION)

TICKETS_ISSUED, TICKETS_CANCELLED = "tickets_issued", "tickets_cancelled"
# a booking's flight can be checked in from now on (one per booking per flight)
CHECK_IN_OPENED = "check_in_opened"

# an event decided in the same transaction as the change, published after the commit
Announcement = namedtuple("Announcement", "order_id event_type payload")

MAX_SEATS_PER_HOLD = 20
SERIAL_DIGITS = 10
_SEAT = re.compile(r"^(\d{1,3})([A-Z]{1,2})$")


def seat_is_free(status, hold_expires_at, now):
    """Available, or held by a hold that has lapsed: a lapsed hold is as good as free
    for everyone at once, before the sweeper tidies the row.

    ``store.FREE`` is the same rule in SQL (``tests/test_free_seat_rule.py`` checks
    that the two agree)."""
    return status == AVAILABLE or (status == HELD and hold_expires_at <= now)


def seat_is_free_for(order_id, seat, now):
    """Free, or held by ``order_id``: the order's own hold, even lapsed, is no
    obstacle to it. ``seat`` has ``status``, ``order_id`` and ``hold_expires_at``;
    ``now`` is the database's clock, the one the SQL form (``store.free_for``) reads."""
    return (seat_is_free(seat.status, seat.hold_expires_at, now)
            or (seat.status == HELD and seat.order_id == order_id))


def closed_for_booking_because(flight):
    """Why nobody may hold seats on or be ticketed for ``flight`` now, or ``None``.

    ``flight`` has ``status``, ``closed_reason``, ``track_status``, ``departure_at``
    and ``now`` (the database's clock). Booking ends at departure at the latest:
    when track says so (departed, arrived, cancelled), while boarding, or once the
    departure time has passed, whichever comes first."""
    if flight.status != OPEN:
        return flight.closed_reason or CLOSED
    if flight.track_status == BOARDING:
        return BOARDING
    if flight.departure_at is None or flight.departure_at <= flight.now:
        return DEPARTED
    return None


def hold_expiry(now, ttl_seconds, departure_at):
    """A hold lasts ``ttl_seconds``, and never past the flight's departure."""
    expires = now + timedelta(seconds=ttl_seconds)
    return min(expires, departure_at) if departure_at is not None else expires


def refusal_of_ticketing(order_state, flight):
    """Why a paid order gets no tickets (its payment is refunded), or ``None`` to issue them.

    An order no longer holding (cancelled, expired) or a cancelled flight lost its
    hold; a flight that has left or is boarding is too late to ticket."""
    if order_state != ORDER_HELD or flight is None:
        return REASON_HOLD_LOST
    closed = closed_for_booking_because(flight)
    if closed is None:
        return None
    return REASON_HOLD_LOST if closed == "cancelled" else REASON_FLIGHT_DEPARTED


def check_named_seats(locked, order_id, seats, cabin_class):
    """Refuse a hold of the named ``seats`` if one is unknown, of another class, or
    not free for the order. ``locked`` are the seat rows found, locked."""
    rows = {r.seat: r for r in locked}
    unknown = [s for s in seats if s not in rows]
    if unknown:
        raise InvalidInput(f"No such seat on this flight: {', '.join(unknown)}.",
                           details={"fields": {"seats": [f"Unknown seat: {s}" for s in unknown]}, "seats": unknown})
    other_class = [s for s in seats if cabin_class and rows[s].cabin_class != cabin_class]
    if other_class:
        raise InvalidInput(f"Not {cabin_class} seats: {', '.join(other_class)}.",
                           details={"fields": {"seats": [f"Not a {cabin_class} seat: {s}" for s in other_class]},
                                    "seats": other_class})
    taken = [s for s in seats if not seat_is_free_for(order_id, rows[s], rows[s].now)]
    if taken:
        raise Conflict(f"Seats already taken: {', '.join(taken)}.", code="SEAT_UNAVAILABLE",
                       details={"seats": taken})


def parse_seat(seat):
    """``"12A"`` -> ``(12, "A")``; ``None`` for anything that is not a seat label."""
    match = _SEAT.match(seat or "")
    if not match:
        return None
    return int(match.group(1)), match.group(2)


def seat_sort_key(seat):
    parsed = parse_seat(seat)
    return parsed if parsed else (10**6, seat)


def ticket_number(airline_prefix, serial):
    """The 13-digit e-ticket number: 3-digit airline prefix + 10-digit serial."""
    prefix = str(airline_prefix)
    if not re.fullmatch(r"\d{3}", prefix):
        raise ValueError(f"airline prefix must be 3 digits, got {prefix!r}")
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise ValueError(f"ticket serial out of range: {serial}")
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"


def _free_runs(row_seats, unavailable):
    """Runs of consecutive free seats in one row: ``row_seats`` are (letter, seat, free)."""
    runs, current = [], []
    for _letter, seat, free in sorted(row_seats):
        if free and seat not in unavailable:
            current.append(seat)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def choose_seats(seats, count, unavailable=()):
    """Pick ``count`` free seats, side by side in one row where possible.

    ``seats`` is every seat of the cabin as ``(row, letter, seat, free)``, so the
    gaps left by taken seats are known; ``unavailable`` are seats to treat as
    taken (already chosen, or lost to another buyer). Returns the seat labels,
    or ``None`` when fewer than ``count`` seats are free.

    The group goes into the smallest block of adjacent free seats that fits it,
    earliest row first, which keeps the long blocks for the larger groups. When no
    row has such a block, the longest blocks are combined, so the group is split
    over as few rows as possible.
    """
    if count <= 0:
        return []
    unavailable = set(unavailable)
    runs = []
    for row, row_seats in groupby(sorted(seats), key=lambda s: s[0]):
        for run in _free_runs([(letter, seat, free) for _row, letter, seat, free in row_seats], unavailable):
            runs.append((row, run))
    if sum(len(run) for _row, run in runs) < count:
        return None
    fitting = [(len(run), row, run) for row, run in runs if len(run) >= count]
    if fitting:
        _length, _row, run = min(fitting, key=lambda item: item[:2])
        return run[:count]
    chosen = []
    for _row, run in sorted(runs, key=lambda item: (-len(item[1]), item[0])):
        chosen.extend(run[: count - len(chosen)])
        if len(chosen) == count:
            break
    return chosen


def duplicates(values):
    seen, repeated = set(), []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


# -- check-in and boarding ----------------------------------------------------------------

# a ticket at departure (``check_ins.state``)
CHECKED_IN, BOARDED, NO_SHOW = "checked_in", "boarded", "no_show"


def check_in_refusal(flight, ticket_status, opens_hours, closes_minutes):
    """Why the ticket cannot be checked in now, as ``(code, message)``, or ``None``.

    ``flight`` has ``status``, ``track_status``, ``departure_at`` and ``now`` (the
    database's clock): the window is ``opens_hours`` to ``closes_minutes`` before the
    departure track last announced; a flight that has closed (departed, cancelled) or
    is boarding is past it. Only an issued ticket checks in (not a cancelled or
    exchanged one)."""
    if ticket_status != ISSUED:
        return "TICKET_NOT_VALID", f"A {ticket_status} ticket cannot be checked in."
    if flight.status != OPEN or flight.track_status == BOARDING or flight.departure_at is None:
        return "CHECK_IN_CLOSED", "Check-in for this flight has closed."
    if flight.now < flight.departure_at - timedelta(hours=opens_hours):
        return "CHECK_IN_NOT_OPEN", f"Check-in opens {opens_hours:g} hours before departure."
    if flight.now >= flight.departure_at - timedelta(minutes=closes_minutes):
        return "CHECK_IN_CLOSED", f"Check-in closed {closes_minutes:g} minutes before departure."
    return None


def check_in_window(departure_at, opens_hours, closes_minutes):
    """``(opens_at, closes_at)`` of a departure."""
    return departure_at - timedelta(hours=opens_hours), departure_at - timedelta(minutes=closes_minutes)


def boarding_refusal(flight_id, ticket, check_in, leg, flight):
    """Why the pass ``leg`` (a ``bcbp.Leg``) scanned at the gate of ``flight_id`` does not
    board, as ``(code, message)``, or ``None``. ``ticket`` and ``check_in`` are the rows
    its ticket number names (either may be ``None``); ``flight`` has ``status`` and
    ``closed_reason``."""
    if ticket is None:
        return "UNKNOWN_BOARDING_PASS", "This boarding pass names no ticket of ours."
    if ticket.flight_id != flight_id:
        return "WRONG_FLIGHT", "This boarding pass is for another flight."
    if flight is None or flight.status != OPEN:
        return "BOARDING_CLOSED", "This flight is no longer boarding."
    if ticket.status != ISSUED:
        return "TICKET_NOT_VALID", f"The ticket is {ticket.status}."
    if check_in is None or check_in.state == NO_SHOW:
        return "NOT_CHECKED_IN", "This passenger has not checked in."
    if check_in.sequence != leg.sequence or check_in.booking_ref != leg.pnr:
        return "NOT_CHECKED_IN", "This boarding pass is not the one issued at check-in."
    if check_in.state == BOARDED:
        return "ALREADY_BOARDED", "This passenger has already boarded."
    return None
