"""Seats: what is free (seat maps, availability); holds, all the seats an order asks
for or none; releasing them.

The locking design (why a seat cannot be sold twice) is in ``docs/ticket.md``; the
statements are in ``store.py``, the rules in ``domain.py``. Every function takes a
SQLAlchemy session and leaves the commit to the caller.
"""
from collections import deque

from common.errors import Conflict, NotFound
from ticket import domain, store
from ticket.schemas import availability_answer, counts_answer, iso, seat_map_answer


def seat_map(session, flight_id):
    flight = store.scheduled_flight(session, flight_id)
    if flight is None:
        raise NotFound("No such flight.", details={"flight_id": flight_id})
    return seat_map_answer(flight, store.seat_statuses(session, flight_id))


def availability(session, flight_ids):
    if not flight_ids:
        return {}
    return availability_answer(store.free_seats_per_class(session, flight_ids))


def availability_counts(session, flight_ids=None, since=None, departing_after=None, limit=None):
    """``{flight_id: {"version": v, "classes": {class: {available, price}}}}``: the kept
    counts (what ``availability_changed`` carries and track's repair asks for) and the
    highest version among them (``None`` when there are none)."""
    rows = store.availability_counts(session, flight_ids=flight_ids, since=since,
                                     departing_after=departing_after, limit=limit)
    return counts_answer(rows), max((row.version for row in rows), default=None)


class AvailabilityFeed:
    """What this process's ``availability_changed`` has published. Versions are taken
    before their transactions commit, so a version lower than one already published can
    still appear: each run looks back over the versions of its last ``LOOKBACK_RUNS``
    runs and publishes those it has not sent. A flight is always sent whole (every class)."""

    LOOKBACK_RUNS = 10

    def __init__(self):
        self.marks = deque(maxlen=self.LOOKBACK_RUNS)  # the newest version seen by each run
        self.sent = set()  # versions published, newer than marks[0]

    def changed(self, session, batch):
        """The counts to publish (``counts_answer``), ``{}`` when none."""
        if not self.marks:  # a process starts from now; the repair covers what came before
            self.marks.append(store.latest_availability_version(session))
            return {}
        changes = [row for row in store.availability_changes(session, self.marks[0], batch + len(self.sent))
                   if row.version not in self.sent]
        self.sent.update(row.version for row in changes)
        self.marks.append(max([self.marks[-1], *(row.version for row in changes)]))
        self.sent = {version for version in self.sent if version > self.marks[0]}
        if not changes:
            return {}
        counts, _ = availability_counts(session, flight_ids=sorted({row.flight_id for row in changes}))
        return counts


class Hold:
    """The order a hold is for, and its expiry: what ``store.take_seats`` writes on a seat."""

    def __init__(self, order_id, flight_id, expires_at):
        self.order_id, self.flight_id, self.expires_at = order_id, flight_id, expires_at

    def values(self):
        return {"status": domain.HELD, "order_id": self.order_id, "hold_expires_at": self.expires_at}


def hold_seats(session, request, ttl_seconds):
    """All the requested seats of one flight for the order (``hold_itinerary`` of one
    segment), answered as one flight's hold."""
    segment = {key: request[key] for key in ("flight_id", "seats", "cabin_class", "count")}
    held = hold_itinerary(session, {"order_id": request["order_id"], "segments": [segment]}, ttl_seconds)
    only = held["segments"][0]
    return hold_answer(held["order_id"], only["flight_id"], held["currency"], held["expires_at"], only["seats"])


def hold_itinerary(session, request, ttl_seconds):
    """Every requested seat on every flight of the itinerary for the order until
    ``ttl_seconds`` from now (the first departure at the latest), or none (an error, and
    the caller rolls back). A retry returns the existing hold.

    One transaction; the flight rows are locked first, in ``flight_id`` order, then the
    order row, then the seats flight by flight in ``flight_id`` order (each in seat
    order): the global ``(flight_id, seat)`` order of ``store``, so two itineraries
    crossing the same flights wait for each other, never in a circle."""
    order_id, segments = request["order_id"], request["segments"]
    flight_ids = [segment["flight_id"] for segment in segments]
    flights = {flight_id: _open_flight(session, flight_id) for flight_id in sorted(flight_ids)}
    currency = _one_currency(flights)
    now = next(iter(flights.values())).now
    expires = min(domain.hold_expiry(now, ttl_seconds, flight.departure_at) for flight in flights.values())
    order = store.claim_order(session, order_id, flight_ids[0], state=domain.ORDER_HELD, hold_expires_at=expires)
    expires_at = order.hold_expires_at
    if order.created:
        store.add_order_flights(session, order_id, flight_ids)
    else:
        if store.flights_of_order(session, order_id) != flight_ids or order.state == domain.ORDER_CLOSED:
            raise Conflict("This order can no longer hold seats.", code="ORDER_CLOSED",
                           details={"order_id": order_id})
        if order.live or order.state == domain.ORDER_TICKETED:
            held = {flight_id: store.seats_of_order(session, flight_id, order_id) for flight_id in flight_ids}
            return itinerary_answer(order_id, currency, expires_at, segments, held)
        expires_at = store.renew_hold(session, order_id, expires)

    # Each step below marks its seats held as it takes them; an error in a later
    # step rolls the whole transaction back, so a hold is still all or nothing.
    held = {}
    for segment in sorted(segments, key=lambda s: s["flight_id"]):
        hold = Hold(order_id, segment["flight_id"], expires_at)
        named = take_named_seats(session, hold, segment["seats"], segment["cabin_class"])
        assigned = assign_free_seats(session, hold, segment["cabin_class"], segment["count"],
                                     set(segment["seats"]))
        held[segment["flight_id"]] = named + assigned
    return itinerary_answer(order_id, currency, expires_at, segments, held)


def _open_flight(session, flight_id):
    """The flight row, locked ``FOR SHARE``, if it takes holds now."""
    return check_open_for_booking(store.lock_flight(session, flight_id), flight_id)


def check_open_for_booking(flight, flight_id):
    """``flight`` (a locked row, or None) if it takes bookings now; else NotFound or
    Conflict ``FLIGHT_NOT_BOOKABLE`` with the reason."""
    if flight is None:
        raise NotFound("No such flight.", details={"flight_id": flight_id})
    closed = domain.closed_for_booking_because(flight)
    if closed:
        raise Conflict("This flight is not open for booking.", code="FLIGHT_NOT_BOOKABLE",
                       details={"flight_id": flight_id, "reason": closed})
    return flight


def _one_currency(flights):
    currencies = sorted({flight.currency for flight in flights.values()})
    if len(currencies) > 1:
        raise Conflict("The flights of one order must be sold in one currency.", code="CURRENCIES_DIFFER",
                       details={"currencies": currencies})
    return currencies[0]


def take_named_seats(session, hold, seats, cabin_class):
    """All the named seats taken for ``hold`` (a ``Hold``, or an exchange's sale: what
    ``values()`` writes on them), or an error saying which are not to be had."""
    if not seats:
        return []
    free = store.free_for(hold.order_id)
    taken = {r.seat: r for r in store.take_seats(session, hold, seats, free, *store.of_class(cabin_class))}
    missing = [s for s in seats if s not in taken]
    if missing:
        # The UPDATE may have judged a row on the version its snapshot saw before a
        # competitor committed (freeing the seat, say). The rows are locked by now, so
        # a new statement reads their final versions: refuse on those, or take them.
        domain.check_named_seats(store.lock_seats(session, hold.flight_id, missing), hold.order_id, missing,
                                 cabin_class)
        taken.update((r.seat, r) for r in store.take_seats(session, hold, missing))
    return [taken[s] for s in seats]


def assign_free_seats(session, hold, cabin_class, count, excluded, attempts=2):
    """``count`` seats of the class, chosen from a plain read, then locked with
    ``SKIP LOCKED``: a seat another buyer is taking right now is skipped, not waited
    for, and the choice is made again without it. Buyers racing for the same block
    can keep losing it, so the last resort takes the first free seats nobody is
    taking, in seat order: a free seat is never refused."""
    if not count:
        return []
    order_id, flight_id = hold.order_id, hold.flight_id
    got, lost = [], set()
    for _attempt in range(attempts):
        cabin = store.cabin_for(session, flight_id, cabin_class, order_id)
        taken = excluded | lost | {s.seat for s in got}
        choice = domain.choose_seats(cabin, count - len(got), taken)
        if choice is None:
            break
        locked = store.take_seats(session, hold, choice, store.free_for(order_id), skip_locked=True)
        got.extend(locked)
        lost |= set(choice) - {s.seat for s in locked}
        if len(got) == count:
            return sorted(got, key=lambda s: domain.seat_sort_key(s.seat))
    last_resort = store.lock_first_free(session, flight_id, cabin_class, order_id,
                                        excluded | {s.seat for s in got}, count - len(got))
    if last_resort:
        got.extend(store.take_seats(session, hold, last_resort))
    if len(got) < count:
        raise Conflict(f"Not enough {cabin_class} seats left.", code="NOT_ENOUGH_SEATS",
                       details={"cabin_class": cabin_class, "requested": count})
    return sorted(got, key=lambda s: domain.seat_sort_key(s.seat))


def hold_answer(order_id, flight_id, currency, expires_at, seats):
    """``hold_seats``' answer: ``seats`` as ``itinerary_answer`` gives them."""
    return {
        "order_id": order_id,
        "flight_id": flight_id,
        "currency": currency,
        "amount": sum(s["price"] for s in seats),
        "expires_at": expires_at,
        "seats": seats,
    }


def itinerary_answer(order_id, currency, expires_at, segments, held):
    """``hold_itinerary``'s answer: per segment, in the itinerary's order, the seats held
    (named ones first, in the order asked, then the assigned ones in seat order)."""
    answer_segments = []
    for segment in segments:
        seats = [{"seat": s.seat, "class": s.cabin_class, "price": s.price} for s in held[segment["flight_id"]]]
        answer_segments.append({"flight_id": segment["flight_id"], "amount": sum(s["price"] for s in seats),
                                "seats": seats})
    return {
        "order_id": order_id,
        "currency": currency,
        "amount": sum(segment["amount"] for segment in answer_segments),
        "expires_at": iso(expires_at),
        "segments": answer_segments,
    }


def follow_flight_status(session, event):
    """``track.flight_status_changed``: booking closed for good (departed, arrived,
    cancelled), or track's status and departure time followed. Holds end when
    booking does (boarding, departed, arrived) and never outlast a new departure."""
    flight_id, new = event["flight_id"], event["new"]
    if new in domain.CLOSING_STATUSES:
        store.close_flight(session, flight_id, new)
    else:
        store.follow_track(session, flight_id, new, event["departure_at"])
    if new in (domain.BOARDING, "departed", "arrived"):
        store.cap_holds(session, flight_id, store.NOW)
    elif event["departure_at"] and new != "cancelled":
        store.cap_holds(session, flight_id, event["departure_at"])


def release_hold(session, order_id):
    flight_ids = store.flights_of_order(session, order_id)
    if not flight_ids:
        return {"released": 0}
    lock_flights(session, flight_ids)
    order = store.lock_order(session, order_id)
    if order.state != domain.ORDER_HELD:
        return {"released": 0}
    released = store.release_order_seats(session, order_id)
    store.end_hold(session, order_id)
    return {"released": released}


def lock_flights(session, flight_ids):
    """The flights' rows ``FOR SHARE`` in ``flight_id`` order: ``{flight_id: row or None}``."""
    return {flight_id: store.lock_flight(session, flight_id) for flight_id in sorted(set(flight_ids))}
