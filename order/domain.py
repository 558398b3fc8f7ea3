"""Order rules that need no broker and no database: states, transitions,
when a booking can no longer be cancelled, booking references, request fingerprints,
the events order publishes (through its outbox, ``order.outbox``)."""
import hashlib
import itertools
import json
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta

from common.errors import Conflict

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
    return order["status"] == PENDING_PAYMENT and order["expires_at"] > now and not order.get("seats_lost")


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


_EVENT_SEQUENCE = itertools.count()


def new_event(event_type, payload, now=None):
    """An event for the order's outbox. Its id sorts by creation time, and within one
    millisecond of one process by a counter (the relay publishes an order's events in that
    order); it is a plain MongoDB field name."""
    sequence = next(_EVENT_SEQUENCE) % 10**6
    return {"id": f"e{epoch_millis(now or utcnow()):013d}{sequence:06d}{secrets.token_hex(4)}", "type": event_type,
            "payload": payload}


def flight_ids_of(order):
    """Every flight of the order, in the itinerary's order (a one-flight order's one)."""
    return list(order.get("flight_ids") or [order["flight_id"]])


def closing_payload(order, paid, reason):
    """``order_cancelled`` / ``order_expired``: what ticket needs to free or cancel the seats
    (``flight_ids``: every flight of the order; ``flight_id``, ``seats``: its first flight's)."""
    payload = {"order_id": order["_id"], "flight_id": order["flight_id"], "paid": paid, "reason": reason}
    if "segments" not in order:
        return dict(payload, seats=[passenger["seat"] for passenger in order["passengers"]])
    seats = [p["segments"][0]["seat"] for p in order["passengers"] if p["segments"][0]["seat"]]
    return dict(payload, seats=seats, flight_ids=flight_ids_of(order))


def paid_payload(order, payment_id):
    """``order_paid``: what ticket needs to issue the tickets. An itinerary's ``segments``
    list every ticket to issue, per flight: the passenger (``index`` in the order), seat
    (none for an infant), class and fare. ``booking_ref``, ``amount`` and ``currency`` go on
    with ``tickets_issued``: what the e-tickets email says without asking order again."""
    payload = {"order_id": order["_id"], "user_id": order["user_id"], "flight_id": order["flight_id"],
               "booking_ref": order.get("booking_ref"), "payment_id": payment_id, "amount": order["amount"],
               "currency": order["currency"]}
    if "segments" not in order:
        return dict(payload, passengers=order["passengers"])
    segments = []
    for position, segment in enumerate(order["segments"]):
        segments.append({"flight_id": segment["flight_id"], "passengers": [
            {"name": p["name"], "type": p["type"], "index": i, "seat": p["segments"][position]["seat"],
             "class": p["segments"][position]["class"], "fare": p["segments"][position]["price"]}
            for i, p in enumerate(order["passengers"])]})
    return dict(payload, segments=segments)


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


# -- itineraries and passengers (issue 14) ------------------------------------------------

MAX_SEGMENTS = 4
ADULT, CHILD, INFANT = "adult", "child", "infant"
PASSENGER_TYPES = (ADULT, CHILD, INFANT)
# age in whole years on the day of the first departure: 12 and over adult, 2-11 child, under 2 infant
ADULT_FROM_AGE, CHILD_FROM_AGE = 12, 2
# what a child and an infant pay, in percent of the fare of the seat (an infant's: its adult's seat);
# rounded down to the currency's minor unit
FARE_SHARE_PERCENT = {ADULT: 100, CHILD: 75, INFANT: 10}
# names as on the travel document: letters of any script (accents as letters or combining
# marks), spaces, hyphens, apostrophes; starting with a letter
NAME_MAX_LENGTH = 50
NAME_PUNCTUATION = frozenset(" -'\u2019")


class PassengerError(ValueError):
    """A rule of the party broken: ``field`` is where (``passengers.1.type``), ``message`` what."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def is_document_name(name):
    if not name or not unicodedata.category(name[0]).startswith("L"):
        return False
    return all(unicodedata.category(c)[0] in "LM" or c in NAME_PUNCTUATION for c in name)


def name_key(name):
    """A name as compared with another: accents dropped (NFKD, combining marks out),
    case folded, spaces collapsed; so ``Pütri`` matches ``PUTRI``."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def family_names(order):
    """The family names of an order's passengers; a one-flight order's passengers have one
    ``name``, whose last word stands for it."""
    names = []
    for passenger in order.get("passengers", []):
        family = passenger.get("family_name") or (passenger.get("name") or "").rsplit(" ", 1)[-1]
        names.append(family)
    return names


def last_name_matches(order, last_name):
    wanted = name_key(last_name)
    return bool(wanted) and any(name_key(family) == wanted for family in family_names(order))


def age_on(birth_date, day):
    """Whole years from ``birth_date`` to ``day`` (dates)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def passenger_type_on(birth_date, day):
    age = age_on(birth_date, day)
    if age >= ADULT_FROM_AGE:
        return ADULT
    return CHILD if age >= CHILD_FROM_AGE else INFANT


def check_party(passengers, first_departure_day, last_departure_day=None):
    """Refuse a party that breaks a rule (``PassengerError``): each type is what the birth
    date makes it on the day of the first departure (born by then), an infant has no seat,
    at least one adult, at most one infant per adult (on the adult's lap), and a travel
    document given is still valid on the day of the last departure (UTC days)."""
    last_departure_day = last_departure_day or first_departure_day
    for i, passenger in enumerate(passengers):
        born = passenger["birth_date"]
        if born > first_departure_day:
            raise PassengerError(f"passengers.{i}.birth_date", "Born after the first departure.")
        expires = (passenger.get("document") or {}).get("expires")
        if expires is not None and expires < last_departure_day:
            raise PassengerError(f"passengers.{i}.document.expires", f"The document expires on "
                                 f"{expires.isoformat()}, before the last flight ({last_departure_day.isoformat()}).")
        expected = passenger_type_on(born, first_departure_day)
        if passenger["type"] != expected:
            raise PassengerError(f"passengers.{i}.type", f"Born {born.isoformat()}: {expected} on the day of the "
                                 f"first departure ({first_departure_day.isoformat()}), not {passenger['type']}.")
        if passenger["type"] == INFANT and any(passenger["seats"]):
            raise PassengerError(f"passengers.{i}.seats", "An infant travels on an adult's lap, without a seat.")
    adults = sum(1 for p in passengers if p["type"] == ADULT)
    infants = sum(1 for p in passengers if p["type"] == INFANT)
    if not adults:
        raise PassengerError("passengers", "At least one adult per booking.")
    if infants > adults:
        raise PassengerError("passengers", f"At most one infant per adult: {infants} infants, {adults} adults.")


def laps(passengers):
    """``{infant's index: adult's index}``: the n-th infant on the n-th adult's lap."""
    adults = [i for i, p in enumerate(passengers) if p["type"] == ADULT]
    infants = [i for i, p in enumerate(passengers) if p["type"] == INFANT]
    return dict(zip(infants, adults))


def share_of_fare(fare, passenger_type):
    return fare * FARE_SHARE_PERCENT[passenger_type] // 100


def flight_time(value):
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def check_connections(flights, min_connection_minutes):
    """Refuse an itinerary (``PassengerError`` on ``segments.i``) whose flights (track's
    answers, in the itinerary's order) are not in time order, or where a flight does not
    leave from the airport the previous one reached at least ``min_connection_minutes``
    after its arrival. A return (back to the first origin) or an open jaw is fine."""
    for i, (previous, flight) in enumerate(zip(flights, flights[1:]), start=1):
        if flight["origin"] != previous["destination"]:
            raise PassengerError(f"segments.{i}.flight_id", f"Leaves from {flight['origin']}, not from "
                                 f"{previous['destination']} where the previous flight arrives.")
        gap = flight_time(flight["departure_at"]) - flight_time(previous["arrival_at"])
        if gap < timedelta(minutes=min_connection_minutes):
            raise PassengerError(f"segments.{i}.flight_id", f"Leaves {int(gap.total_seconds() // 60)} minutes "
                                 f"after the previous flight arrives: at least {min_connection_minutes} needed.")


def price_passengers(passengers, held_segments):
    """The order's passengers with their seat, class and price on each segment: seated
    passengers take the hold's seats (``assign_seats``), a child pays its share of its
    seat's fare, an infant its share of its adult's seat's fare, in its adult's class."""
    lap = laps(passengers)
    priced = [dict(p, segments=[]) for p in passengers]
    for position, held in enumerate(held_segments):
        seated = [(i, p) for i, p in enumerate(passengers) if p["type"] != INFANT]
        asked = [{"name": p["name"], "seat": p["seats"][position]} for _i, p in seated]
        for (i, p), seat in zip(seated, assign_seats(asked, held["seats"])):
            priced[i]["segments"].append({"flight_id": held["flight_id"], "seat": seat["seat"],
                                          "class": seat["class"],
                                          "price": share_of_fare(seat["price"], p["type"])})
        for infant, adult in lap.items():
            adult_seat = next(s for s in held["seats"] if s["seat"] == priced[adult]["segments"][position]["seat"])
            priced[infant]["segments"].append({"flight_id": held["flight_id"], "seat": None,
                                               "class": adult_seat["class"],
                                               "price": share_of_fare(adult_seat["price"], INFANT)})
    for i, p in enumerate(priced):
        p["price"] = sum(s["price"] for s in p["segments"])
        if i in lap:
            p["on_lap_of"] = lap[i]
    return priced


def seats_asked(request):
    """``{flight_id: seats}`` a placing request asks for: on one flight every passenger
    sits; on an itinerary every passenger but infants, on each segment's flight."""
    if "segments" not in request:
        return {request["flight_id"]: len(request["passengers"])}
    sitting = sum(1 for passenger in request["passengers"] if passenger.get("type") != "infant")
    asked = {}
    for segment in request["segments"]:
        asked[segment["flight_id"]] = asked.get(segment["flight_id"], 0) + sitting
    return asked


def seats_held(order):
    """``{flight_id: seats}`` a stored order holds (infants have none)."""
    if "segments" not in order:
        return {order["flight_id"]: len(order["passengers"])}
    held = dict.fromkeys(order["flight_ids"], 0)
    for passenger in order["passengers"]:
        for flight_id, segment in zip(order["flight_ids"], passenger["segments"], strict=True):
            held[flight_id] += 1 if segment.get("seat") else 0
    return held

def check_unpaid_seats(held, asked, per_flight, in_total):
    """Refuse an order that would leave one customer holding more unpaid seats than
    ``per_flight`` on one flight, or ``in_total`` across flights (seat squatting)."""
    total = sum(held.values()) + sum(asked.values())
    crowded = {flight: held.get(flight, 0) + seats for flight, seats in asked.items()
               if held.get(flight, 0) + seats > per_flight}
    if crowded or total > in_total:
        raise Conflict(
            "You already hold too many seats you have not paid for: pay or cancel those orders first.",
            code="TOO_MANY_UNPAID_SEATS",
            details={"per_flight": per_flight, "in_total": in_total, "held": held, "flights_over": sorted(crowded)},
        )


# -- involuntary changes (issue 15): disruptions -------------------------------------------

DELAY, CONNECTION_BROKEN, FLIGHT_WAS_CANCELLED, AIRCRAFT_CHANGE = "delay", "connection_broken", "cancelled", \
    "aircraft_change"
DISRUPTION_REASONS = (DELAY, CONNECTION_BROKEN, FLIGHT_WAS_CANCELLED, AIRCRAFT_CHANGE)
REFUND_OPTION, MOVE_OPTION = "refund", "move"  # what a disrupted traveller may do
# the bookings a disruption can still reach (not closed, not already being refunded)
DISRUPTABLE_STATES = (PENDING_PAYMENT, PAID, TICKETED)


def is_disruptable(order):
    return order["status"] in DISRUPTABLE_STATES and not order.get("cancellation_requested_at")


def retime_reason(order, flight_id, delay_minutes, threshold_minutes, flights, min_connection_minutes):
    """Why a retime of ``flight_id`` disrupts ``order``, or None: ``connection_broken`` when
    the order's flights (track's current answers, in itinerary order) no longer connect in
    time order with ``min_connection_minutes`` between them, else ``delay`` when the flight
    leaves ``threshold_minutes`` or more after its scheduled departure."""
    shortest = timedelta(minutes=min_connection_minutes)
    if any(flight_time(flight["departure_at"]) - flight_time(previous["arrival_at"]) < shortest
           for previous, flight in zip(flights, flights[1:])):
        return CONNECTION_BROKEN
    if delay_minutes >= threshold_minutes:
        return DELAY
    return None


def disruption_options(reason, departure_at, move_window_hours):
    """What a disrupted traveller may do: a full refund (cancel the booking), and, unless the
    flight is cancelled (its bookings are refunded at once), a free move to another flight on
    the same route departing by ``until`` (the disrupted flight's departure + the window)."""
    options = [{"type": REFUND_OPTION}]
    if reason != FLIGHT_WAS_CANCELLED and departure_at:
        until = flight_time(departure_at) + timedelta(hours=move_window_hours)
        options.append({"type": MOVE_OPTION, "until": iso(until)})
    return options


def disruption_key(flight_id, reason):
    """One disruption per flight and reason in a booking's life (a MongoDB field name)."""
    return f"{reason}-{flight_id}"


def new_disruption(order, flight_id, reason, since, options):
    """``(record, booking_disrupted payload)`` of one disruption of ``order``."""
    segment = flight_ids_of(order).index(flight_id) if flight_id in flight_ids_of(order) else 0
    record = {"reason": reason, "since": iso(since), "options": options, "flight_id": flight_id,
              "segment": segment}
    payload = {"order_id": order["_id"], "booking_ref": order.get("booking_ref"), "user_id": order["user_id"],
               "flight_id": flight_id, "segment": segment, "reason": reason, "since": iso(since),
               "options": options}
    return record, payload


def disruptions_list(disruptions):
    """The stored ``{key: record}`` map as a list, oldest first."""
    return sorted((disruptions or {}).values(), key=lambda record: (record["since"], record["reason"]))


def reseated(order, flight_id, changes):
    """``(passengers, tickets)`` of ``order`` with the seats on ``flight_id`` moved as
    ``changes`` ``[{from, to}]`` say (an aircraft swap or a check-in re-seated them)."""
    moved = {change["from"]: change["to"] for change in changes}
    passengers = [dict(p) for p in order["passengers"]]
    if "segments" in order:
        position = flight_ids_of(order).index(flight_id)
        for passenger in passengers:
            passenger["segments"] = [dict(s) for s in passenger["segments"]]
            segment = passenger["segments"][position]
            segment["seat"] = moved.get(segment["seat"], segment["seat"])
    else:
        for passenger in passengers:
            passenger["seat"] = moved.get(passenger["seat"], passenger["seat"])
    tickets = [dict(t, seat=moved.get(t.get("seat"), t.get("seat"))) if t.get("flight_id") == flight_id else t
               for t in order.get("tickets") or []]
    return passengers, tickets
