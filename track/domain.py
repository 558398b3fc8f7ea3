"""Flight rules as plain functions: flight numbers, fares, status transitions,
times (UTC, local dates, delays, turnaround), search cursors and what a search
result shows."""
import base64
import binascii
import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from common.errors import Conflict, InvalidInput

CABIN_CLASSES = ("first", "business", "premium_economy", "economy")
# IATA airline designator (two letters, or a letter and a digit) + 1-4 digits.
FLIGHT_NUMBER = r"^(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[0-9]{1,4}$"

SCHEDULED, DELAYED, BOARDING = "scheduled", "delayed", "boarding"
DEPARTED, ARRIVED, CANCELLED = "departed", "arrived", "cancelled"
# Which status may follow which. "delayed" may repeat (new times each time).
TRANSITIONS = {
    "scheduled": {"delayed", "boarding", "cancelled"},
    "delayed": {"delayed", "boarding", "cancelled"},
    "boarding": {"delayed", "departed", "cancelled"},
    "departed": {"arrived"},
    "arrived": set(),
    "cancelled": set(),
}
STATUSES = tuple(TRANSITIONS)
# Flights a customer can still be offered in a search.
LISTED_STATUSES = (SCHEDULED, DELAYED, BOARDING)
# Flights that no longer occupy their airplane.
DONE_STATUSES = (CANCELLED, ARRIVED)


def field_error(field, message, text="Invalid input", code="VALIDATION_ERROR"):
    return InvalidInput(text, code=code, details={"fields": {field: [message]}})


def check_transition(old, new):
    """Raise Conflict unless ``old -> new`` is a legal status change."""
    if new not in TRANSITIONS.get(old, set()):
        allowed = sorted(TRANSITIONS.get(old, set()))
        raise Conflict(
            f"A {old} flight cannot become {new}.", code="ILLEGAL_TRANSITION",
            details={"from": old, "to": new, "allowed": allowed},
        )


def check_schedule(origin, destination, departure_at, arrival_at, now):
    """The input rules of a new flight that need no other service (400 each)."""
    problems = {}
    if origin == destination:
        problems["destination"] = ["Must differ from origin."]
    if arrival_at <= departure_at:
        problems["arrival_at"] = ["Must be after departure_at."]
    if departure_at <= now:
        problems["departure_at"] = ["Must be in the future."]
    if problems:
        raise InvalidInput("The flight cannot be scheduled as given.", details={"fields": problems})


def check_fares(fares, seat_counts):
    """Every class the airplane has needs a fare, and only those classes may have one."""
    problems = {}
    for cabin_class in sorted(set(fares) - set(seat_counts)):
        problems[cabin_class] = ["This airplane has no such cabin."]
    for cabin_class in sorted(set(seat_counts) - set(fares)):
        problems[cabin_class] = ["A fare is required for every cabin of the airplane."]
    if problems:
        raise InvalidInput("The fares do not match the airplane's cabins.", code="FARES_MISMATCH",
                           details={"fields": {"fares": problems}, "cabins": sorted(seat_counts)})


def utc(moment):
    return moment.astimezone(UTC)


def parse_time(value, field):
    """An aware datetime or ISO 8601 string with an offset, in UTC; InvalidInput on ``field`` otherwise."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise field_error(field, "Use ISO 8601 with an offset.")
    return utc(moment)


def status_times(departure_at, arrival_at, new, values):
    """The flight's ``(departure_at, arrival_at)`` after a status change to ``new``.

    Only a delay moves the times: later, given its new departure and optionally
    its new arrival (else the flight keeps its duration).
    """
    if new != DELAYED:
        if "departure_at" in values or "arrival_at" in values:
            raise field_error("status", "New times go with status 'delayed' only.")
        return departure_at, arrival_at
    if "departure_at" not in values:
        raise field_error("departure_at", "A delay needs the new departure time.")
    new_departure = utc(values["departure_at"])
    if new_departure <= departure_at:
        raise field_error("departure_at", "A delay moves the departure later.")
    new_arrival = utc(values["arrival_at"]) if "arrival_at" in values else \
        new_departure + (arrival_at - departure_at)
    if new_arrival <= new_departure:
        raise field_error("arrival_at", "Must be after departure_at.")
    return new_departure, new_arrival


def overlaps_with_turnaround(departure_at, arrival_at, turnaround):
    """The window another flight of the same airplane must not touch."""
    return departure_at - turnaround, arrival_at + turnaround


def local_day_utc_range(day, tz_name):
    """The UTC instants [start, end) of calendar ``day`` at a place in ``tz_name``."""
    zone = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def encode_cursor(departure_at, flight_id):
    raw = json.dumps([departure_at.astimezone(UTC).isoformat(), str(flight_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """``(departure_at, flight_id)`` of an opaque cursor; InvalidInput if it was tampered with."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        departure, flight_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(departure)
        if moment.tzinfo is None or not isinstance(flight_id, str):
            raise ValueError("naive time or odd id")
        return moment, flight_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise field_error("cursor", "Not a cursor this API gave out.", code="INVALID_CURSOR")


def offer(fares, availability, passengers, cabin_class=None):
    """``(seats_available, lowest_fare)`` for one flight, or None if it cannot seat the party.

    ``availability`` is the flight's free seats (``store.availability_of``), ``{class: {available, price?}}``;
    the lowest fare is taken among the classes (or the one class asked for) that
    still have ``passengers`` seats.
    """
    seats_available = {cls: int(state.get("available", 0)) for cls, state in availability.items()}
    candidates = [cabin_class] if cabin_class else list(seats_available)
    prices = {
        cls: availability[cls].get("price", fares.get(cls))
        for cls in candidates
        if seats_available.get(cls, 0) >= passengers
    }
    if not prices:
        return None
    cheapest = min(prices, key=lambda cls: (prices[cls], cls))
    return seats_available, {"class": cheapest, "amount": prices[cheapest]}


# -- tracking: status by flight number, airport boards, the fare calendar -------------------

DEPARTURES, ARRIVALS = "departures", "arrivals"
BOARDS = (DEPARTURES, ARRIVALS)
# The longest fare calendar one request may ask for (two months of days).
MAX_CALENDAR_DAYS = 62
# Legs of one flight number are found by their scheduled departure within the
# widest span a local day can have in UTC (UTC-12 to UTC+14), then kept if their
# origin's local day is the one asked for.
_WIDEST_OFFSET = timedelta(hours=14)


def local_days_utc_range(first_day, last_day, tz_name):
    """The UTC instants [start, end) of the local days ``first_day..last_day`` (inclusive) in ``tz_name``."""
    starts, _ = local_day_utc_range(first_day, tz_name)
    _, ends = local_day_utc_range(last_day, tz_name)
    return starts, ends


def any_local_day_utc_range(day):
    """UTC instants wide enough to hold local ``day`` at every place on Earth."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start - _WIDEST_OFFSET, start + timedelta(days=1) + _WIDEST_OFFSET


def local_date(moment, tz_name):
    return moment.astimezone(ZoneInfo(tz_name)).date()


def local_moment(moment, tz_name):
    """``moment`` on the wall clock at the place (an aware datetime with its offset then, DST included)."""
    return moment.astimezone(ZoneInfo(tz_name))


def delay_minutes(scheduled_at, estimated_at):
    """Whole minutes ``estimated_at`` is later than ``scheduled_at`` (0 when on time or early)."""
    return max(0, int((estimated_at - scheduled_at).total_seconds() // 60))


def check_calendar_window(first_day, last_day, max_days=MAX_CALENDAR_DAYS):
    """``from``..``to`` (inclusive) must run forwards and span at most ``max_days`` days (400 otherwise)."""
    if last_day < first_day:
        raise field_error("to", "Must be on or after from.")
    if (last_day - first_day).days + 1 > max_days:
        raise field_error("to", f"The calendar spans at most {max_days} days.", code="WINDOW_TOO_LONG")


def calendar_days(first_day, last_day, offers):
    """One entry per local day ``first_day..last_day``: the lowest fare among ``offers``
    and how many flights could seat the party that day.

    ``offers`` are ``(local_day, lowest_fare)`` pairs, ``lowest_fare`` as ``offer``
    gives it with the flight's ``currency`` added. A route is priced in one currency;
    should two flights of a day differ, the lower amount is shown (amounts of different
    currencies are not converted).
    """
    by_day = {}
    for day, fare in offers:
        best, count = by_day.get(day, (None, 0))
        if best is None or (fare["amount"], fare["class"]) < (best["amount"], best["class"]):
            best = fare
        by_day[day] = (best, count + 1)
    days = []
    day = first_day
    while day <= last_day:
        best, count = by_day.get(day, (None, 0))
        days.append({"date": day, "lowest_fare": best, "bookable_flights": count})
        day += timedelta(days=1)
    return days


def search_text(q):
    """A search box's text as the airport search compares it: trimmed, single-spaced, lower case."""
    return " ".join((q or "").split()).lower()
