"""In-memory stand-ins for what ``order.saga.Orders`` is given: the order store and
ticket's RPC (the dispatcher and the proxies' holder are in ``tests.helpers.fakes``).
``FakeOrderStore`` has the methods of ``order.store.OrderStore``, and
``test_store_contract.py`` checks both the same way."""
import copy
import itertools
from datetime import timedelta

from common.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from order.domain import (
    DISRUPTABLE_STATES,
    EXPIRED,
    PAID,
    PENDING_PAYMENT,
    REFUNDED,
    epoch_millis,
    iso,
    sources_of,
    utcnow,
)
from order.store import DuplicateOrder, with_outbox


def _set(document, dotted, value):
    """``$set`` of one (possibly dotted) field."""
    *parents, leaf = dotted.split(".")
    for key in parents:
        document = document.setdefault(key, {})
    document[leaf] = value


def _add_events(order, events, now):
    for event in events:
        order.setdefault("outbox", {})[event["id"]] = {
            "type": event["type"], "payload": copy.deepcopy(event["payload"]), "at": iso(now)}
    if events:
        order["outbox_at"] = epoch_millis(now)
        order["outbox_pending"] = order.get("outbox_pending", 0) + len(events)


class FakeOrderStore:
    def __init__(self):
        self.orders = {}
        self.claims = {}
        self._ids = itertools.count(1)

    def new_order_id(self):
        return f"{next(self._ids):024x}"  # 24 hex digits that sort by creation, as ObjectIds do

    # -- reading ---------------------------------------------------------------------

    def find(self, order_id):
        return copy.deepcopy(self.orders.get(order_id))

    def find_by_booking_ref(self, booking_ref):
        found = [o for o in self.orders.values() if o.get("booking_ref") == booking_ref]
        return copy.deepcopy(found[0]) if found else None

    def search(self, field, value, limit, cursor=None):
        if field == "user_id":
            found = [o for o in self.orders.values() if o["user_id"] == value]
        else:
            found = [o for o in self.orders.values() if value in (o.get("flight_ids") or [o["flight_id"]])]
        found = sorted((o for o in found if not cursor or o["_id"] < cursor), key=lambda o: o["_id"], reverse=True)
        next_cursor = found[limit - 1]["_id"] if len(found) > limit else None
        return copy.deepcopy(found[:limit]), next_cursor

    def unpaid_of_user(self, user_id, now):
        return [copy.deepcopy(o) for o in self.orders.values()
                if o["user_id"] == user_id and o["status"] == PENDING_PAYMENT and o["expires_at"] >= now]

    def list_for_user(self, user_id, limit, cursor=None):
        mine = [o for o in self.orders.values() if o["user_id"] == user_id and (not cursor or o["_id"] < cursor)]
        mine.sort(key=lambda o: o["_id"], reverse=True)
        next_cursor = mine[limit - 1]["_id"] if len(mine) > limit else None
        return copy.deepcopy(mine[:limit]), next_cursor

    def audit_page(self, after, limit):
        docs = sorted((o for o in self.orders.values() if not after or o["_id"] > after), key=lambda o: o["_id"])
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return copy.deepcopy(docs[:limit]), next_cursor

    def overdue(self, now, limit):
        due = [o for o in self.orders.values() if o["status"] == PENDING_PAYMENT and o["expires_at"] < now]
        return copy.deepcopy(due[:limit])

    def on_flight(self, flight_id, status=None):
        return copy.deepcopy([o for o in self.orders.values()
                              if flight_id in (o.get("flight_ids") or [o["flight_id"]])
                              and status in (None, o["status"])])

    # -- writing ---------------------------------------------------------------------

    def insert(self, order, events=()):
        taken_refs = {o["booking_ref"] for o in self.orders.values()}
        if order["_id"] in self.orders or order["booking_ref"] in taken_refs:
            raise DuplicateOrder(order["_id"])
        stored = with_outbox(order, events, utcnow())
        self.orders[order["_id"]] = copy.deepcopy(stored)
        return stored

    def transition(self, order_id, target, set_fields=None, events=()):
        return self._transition(order_id, target, set_fields, events=events)

    def _transition(self, order_id, target, set_fields=None, condition=lambda order: True, events=()):
        order = self.orders.get(order_id)
        if order is None or order["status"] not in sources_of(target) or not condition(order):
            return None
        now = utcnow()
        order["status"] = target
        _set(order, f"history.{target}", iso(now))
        order["updated_at"] = iso(now)
        for field, value in (set_fields or {}).items():
            _set(order, field, copy.deepcopy(value))
        _add_events(order, events, now)
        return copy.deepcopy(order)

    def expire(self, order_id, now, events=()):
        return self._transition(order_id, EXPIRED, condition=lambda order: order["expires_at"] < now, events=events)

    def mark_paid(self, order_id, payment_id, amount, events=()):
        return self._transition(order_id, PAID, {"payment_id": payment_id}, condition=lambda order: (
            order["amount"] == amount and payment_id not in order.get("refunded_payments", {})), events=events)

    def mark_refunded(self, order_id, payment_id, refund):
        return self._transition(order_id, REFUNDED, {"refund": refund},
                                condition=lambda order: order.get("payment_id") == payment_id)

    def add_events(self, order_id, events, status=None, set_fields=None, unless=()):
        order = self.orders.get(order_id)
        if order is None or (status is not None and order["status"] != status) or any(f in order for f in unless):
            return None
        now = utcnow()
        for field, value in (dict(set_fields, updated_at=iso(now)) if set_fields else {}).items():
            _set(order, field, copy.deepcopy(value))
        _add_events(order, events, now)
        return copy.deepcopy(order)

    def release_ended_change(self, order_id, change_id):
        order = self.orders.get(order_id)
        if order is not None and order.get("changing") == change_id:
            del order["changing"]
        return True

    def add_disruption(self, order_id, key, record, events, set_fields=None):
        order = self.orders.get(order_id)
        if (order is None or order["status"] not in DISRUPTABLE_STATES or key in order.get("disruptions", {})
                or "cancellation_requested_at" in order):
            return None
        now = utcnow()
        for field, value in dict(set_fields or {}, disruption=record, updated_at=iso(now)).items():
            _set(order, field, copy.deepcopy(value))
        order.setdefault("disruptions", {})[key] = copy.deepcopy(record)
        _add_events(order, events, now)
        return copy.deepcopy(order)

    def replace_seats(self, order_id, updated_at, passengers, tickets):
        order = self.orders.get(order_id)
        if order is None or order.get("updated_at") != updated_at:
            return False
        order.update(passengers=copy.deepcopy(passengers), tickets=copy.deepcopy(tickets), updated_at=iso(utcnow()))
        return True

    def clear_event(self, order_id, event_id):
        order = self.orders.get(order_id)
        if order is None or event_id not in order.get("outbox", {}):
            return False
        del order["outbox"][event_id]
        order["outbox_pending"] -= 1
        return True

    def claim_unpublished(self, written_before, now):
        for order in self.orders.values():
            if order.get("outbox_pending", 0) > 0 and order["outbox_at"] < written_before:
                order["outbox_at"] = now
                return copy.deepcopy(order)
        return None

    def remember_refunded_payment(self, order_id, payment_id, at):
        order = self.orders.get(order_id)
        if order is not None and order["status"] != REFUNDED and payment_id not in order.get("refunded_payments", {}):
            order.setdefault("refunded_payments", {})[payment_id] = at
            order["updated_at"] = at

    # -- idempotency keys --------------------------------------------------------------

    def claim_idempotency_key(self, user_id, key, fingerprint, order_id, expired_before=None):
        claim = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "order_id": order_id,
                 "created_at": utcnow(), "claimed_ms": epoch_millis(utcnow())}
        earlier = self.claims.get((user_id, key))
        if earlier is not None and expired_before is not None and earlier["claimed_ms"] < expired_before:
            del self.claims[(user_id, key)]
        return copy.deepcopy(self.claims.setdefault((user_id, key), claim))

    def release_idempotency_key(self, user_id, key, order_id):
        claim = self.claims.get((user_id, key))
        if claim is not None and claim["order_id"] == order_id:
            del self.claims[(user_id, key)]


class FakeTicket:
    """ticket's RPC as order calls it: holds seats (1A, 1B, … in economy at ``price``)
    for ``ttl`` and releases them. ``failure`` makes ``hold_seats`` raise it."""

    def __init__(self, price=100_000, currency="IDR", ttl=timedelta(minutes=15)):
        self.price = price
        self.currency = currency
        self.ttl = ttl
        self.failure = None
        self.holds = {}
        self.released = []

    def hold_seats(self, order_id, flight_id, seats=None, cabin_class=None, count=0):
        if self.failure is not None:
            raise self.failure
        if order_id in self.holds:  # a retry: the same hold
            return copy.deepcopy(self.holds[order_id])
        taken = {seat["seat"] for hold in self.holds.values() for seat in hold["seats"]}
        if taken & set(seats or []):
            raise Conflict("Seats not available.", code="SEAT_UNAVAILABLE", details={"seats": sorted(taken)})
        free = (f"{row}{letter}" for row in range(1, 100) for letter in "ABCDEF")
        assigned = [seat for seat in free if seat not in taken and seat not in (seats or [])][:count]
        held = [{"seat": seat, "class": cabin_class or "economy", "price": self.price}
                for seat in list(seats or []) + assigned]
        self.holds[order_id] = {
            "order_id": order_id, "flight_id": flight_id, "currency": self.currency,
            "amount": sum(seat["price"] for seat in held), "expires_at": iso(utcnow() + self.ttl), "seats": held,
        }
        return copy.deepcopy(self.holds[order_id])

    def hold_itinerary(self, order_id, segments):
        """Every segment held as ``hold_seats`` holds one flight, or none."""
        if order_id in self.holds:
            return copy.deepcopy(self.holds[order_id])
        held = []
        try:
            for i, segment in enumerate(segments):
                held.append(self.hold_seats(f"{order_id}/{i}", segment["flight_id"], segment["seats"],
                                            segment["cabin_class"], segment["count"]))
        finally:
            for i in range(len(segments)):
                self.holds.pop(f"{order_id}/{i}", None)
        self.holds[order_id] = {
            "order_id": order_id, "currency": self.currency, "amount": sum(h["amount"] for h in held),
            "expires_at": held[0]["expires_at"],
            "segments": [{"flight_id": h["flight_id"], "amount": h["amount"], "seats": h["seats"]} for h in held],
            "seats": [],
        }
        return copy.deepcopy(self.holds[order_id])

    def release_hold(self, order_id):
        self.released.append(order_id)
        self.holds.pop(order_id, None)


class Call:
    """An RPC method as ``common.rpc.BoundedRpc`` gives it: called, or ``call_async`` then ``result``."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args):
        return self.function(*args)

    def call_async(self, *args):
        try:
            value, error = self.function(*args), None
        except Exception as exc:
            value, error = None, exc
        return Answer(value, error)


class Answer:
    def __init__(self, value, error):
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


class FakeTrack:
    """track's ``get_flight`` as order calls it: ``flights`` maps an id to ``{status,
    departure_at}``; ``away`` makes it answer ``ServiceUnavailable``."""

    # the seeded catalogue's rules (track migrations 0006, 0007); standard is the fake ticket's seat price
    FAMILIES = {
        "light": {"name": "Light", "amount": 80_000, "rules": {
            "refundable": False, "refund_fee_percent": 100, "changeable": False, "change_fee_percent": 100,
            "free_seat_choice": False, "checked_bag_kg": 0}},
        "standard": {"name": "Standard", "amount": 100_000, "rules": {
            "refundable": True, "refund_fee_percent": 25, "changeable": True, "change_fee_percent": 10,
            "free_seat_choice": True, "checked_bag_kg": 20}},
        "flex": {"name": "Flex", "amount": 150_000, "rules": {
            "refundable": True, "refund_fee_percent": 0, "changeable": True, "change_fee_percent": 0,
            "free_seat_choice": True, "checked_bag_kg": 30}},
    }

    def __init__(self):
        self.flights = {}
        self.away = False
        self.quotes_asked = []

    def schedule(self, flight_id, departure_in=timedelta(days=30), status="scheduled", origin="CGK",
                 destination="DPS", duration=timedelta(hours=2)):
        departure = utcnow() + departure_in
        self.flights[flight_id] = {"id": flight_id, "status": status, "departure_at": iso(departure),
                                   "arrival_at": iso(departure + duration), "origin": origin,
                                   "destination": destination, "flight_number": "GA" + flight_id[-3:]}

    @property
    def get_flight(self):
        return Call(self._get_flight)

    @property
    def fare_quotes(self):
        return Call(self._fare_quotes)

    def _fare_quotes(self, segments):
        if self.away:
            raise ServiceUnavailable("track is not answering")
        self.quotes_asked.append(copy.deepcopy(segments))
        quotes = []
        for segment in segments:
            if segment["flight_id"] not in self.flights:
                raise NotFound("No such flight.", details={"flight_id": segment["flight_id"]})
            family = self.FAMILIES.get(segment["family"])
            if family is None:
                raise InvalidInput("Unknown fare family.", code="UNKNOWN_FARE_FAMILY")
            quotes.append({"flight_id": segment["flight_id"], "flight_number": "GA1", "class": segment["class"],
                           "family": segment["family"], "family_name": family["name"],
                           "amount": family["amount"], "currency": "IDR", "rules": dict(family["rules"])})
        return quotes

    def _get_flight(self, flight_id):
        if self.away:
            raise ServiceUnavailable("track is not answering")
        if flight_id not in self.flights:
            raise NotFound("No such flight.", details={"flight_id": flight_id})
        return copy.deepcopy(self.flights[flight_id])
