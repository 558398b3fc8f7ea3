"""The order side of the booking saga: placing, paying, ticketing, expiring,
cancelling and refunding orders. Every event handler here is idempotent (a
replay finds the order already moved and changes nothing) and tolerates events
out of order (a transition only happens from the states that allow it).

``Orders`` gets what a worker has (the order store, RPC clients, the event
dispatcher), so the nameko service stays a list of thin entrypoints, and a test can
hand it in-memory stand-ins (``order/tests/test_saga.py``).

Every event that announces a change goes through the order's outbox (``order.outbox``):
written in the same update as the change, published after it. Two answers to a
``payment_succeeded`` change nothing and are published directly: ``payment_rejected``
for an order that does not exist (there is no document to write it with) and
``order_paid`` again for a replay while the order is still PAID. If one of those is
lost, the ``payment_succeeded`` was not acknowledged and comes again.

The hold's lifetime is ticket's to decide (``HOLD_TTL_SECONDS``): an order expires
when ticket says its hold does (``expires_at`` of ``hold_seats``' answer).
"""
import logging
from datetime import UTC, datetime, timedelta

from common.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    load_or_raise,
)
from common.names import has_last_name
from order.domain import (
    AIRCRAFT_CHANGE,
    CANCELLED,
    FLIGHT_WAS_CANCELLED,
    PAID,
    PENDING_PAYMENT,
    TICKETED,
    assign_seats,
    cancel_action,
    check_unpaid_seats,
    closing_payload,
    disruption_key,
    disruption_options,
    epoch_millis,
    flight_has_departed,
    flight_ids_of,
    is_disruptable,
    is_payable,
    iso,
    new_booking_ref,
    new_disruption,
    new_event,
    paid_payload,
    request_fingerprint,
    reseated,
    retime_reason,
    seats_asked,
    seats_held,
    to_millis,
    utcnow,
)
from order.fare_rules import CANCEL_REASONS, cancel_reason, refund_terms
from order.itinerary import (
    ask_track,
    ask_track_with_fares,
    check_itinerary,
    check_seat_choice,
    hold_segments,
    itinerary_order,
    order_fares,
)
from order.outbox import OrderOutbox
from order.schemas import (
    AuditOrderPageSchema,
    AuditQuerySchema,
    ItineraryOrderSchema,
    ListOrdersQuerySchema,
    OrderPageSchema,
    OrderSchema,
    PlaceOrderSchema,
)
from order.store import DuplicateOrder

log = logging.getLogger(__name__)

BOOKING_REF_ATTEMPTS = 8
DEFAULT_CABIN_CLASS = "economy"
EXPIRY_BATCH = 200
MAX_IDEMPOTENCY_KEY_LENGTH = 255
# a one-flight order sold while track did not answer: its standard rules are asked on cancellation
FARES_PENDING = "fares_pending"
TICKET_FIELDS = ("number", "order_id", "flight_id", "passenger_name", "seat", "class", "fare", "currency",
                 "status", "issued_at")
# what an itinerary's order also keeps of each ticket (a one-flight order answers as it always has)
ITINERARY_TICKET_FIELDS = ("passenger_type", "passenger_index")


# one instance for every answer: a marshmallow schema deep-copies its fields when made,
# which cost more than the dump itself (every status poll, payment's get_payable_order)
ORDER_VIEW = OrderSchema()


def order_view(order):
    return ORDER_VIEW.dump(order)


def seat_numbers(order):
    """The seats of the order (an itinerary's on every flight, infants having none)."""
    if "segments" in order:
        return [s["seat"] for p in order["passengers"] for s in p["segments"] if s["seat"]]
    return [passenger["seat"] for passenger in order["passengers"]]


def is_definitive(error):
    """A refusal that will not change on a retry (the hold was not made), unlike a timeout
    after which the hold may still be made."""
    return isinstance(error, DomainError) and not isinstance(error, ServiceUnavailable)


class Orders:
    def __init__(self, store, services, dispatch, min_connection_minutes=None, unpaid_seat_limits=None,
                 idempotency_key_ttl_seconds=None, disruption_rules=(180, 72)):
        self.store = store
        self.services = services
        self.dispatch = dispatch
        self.outbox = OrderOutbox(store, dispatch)
        # Settings.min_connection_minutes; only placing an itinerary needs it
        self.min_connection_minutes = min_connection_minutes
        # (per flight, in total): Settings.limit_unpaid_seats_per_flight / _total; None: no limit
        self.unpaid_seat_limits = unpaid_seat_limits
        # Settings.idempotency_key_ttl_seconds; None: keys never expire
        self.idempotency_key_ttl_seconds = idempotency_key_ttl_seconds
        # (Settings.disruption_delay_minutes, Settings.disruption_move_window_hours)
        self.disruption_delay_minutes, self.disruption_move_window_hours = disruption_rules

    # -- queries -----------------------------------------------------------------------

    def get(self, order_id, user_id=None):
        order = self.store.find(str(order_id)) if order_id else None
        if order is None or (user_id is not None and order["user_id"] != str(user_id)):
            raise NotFound("No such order.", details={"order_id": order_id})
        return order

    def list(self, user_id, limit=20, cursor=None):
        query = load_or_raise(ListOrdersQuerySchema(), {"limit": limit, "cursor": cursor})
        orders, next_cursor = self.store.list_for_user(str(user_id), query["limit"], query["cursor"])
        return OrderPageSchema().dump({"items": orders, "next_cursor": next_cursor})

    def verify_booking(self, booking_ref, last_name):
        """``{order_id, booking_ref}`` of the booking with this reference and a passenger of
        that last name (online check-in without an account); NotFound if there is none,
        the same answer for a wrong reference and a wrong name."""
        ref = " ".join(str(booking_ref or "").split()).upper()
        order = self.store.find_by_booking_ref(ref) if ref and len(ref) <= 16 else None
        if order is None or not any(has_last_name(p["name"], last_name) for p in order["passengers"]):
            raise NotFound("No booking with that reference and last name.")
        return {"order_id": order["_id"], "booking_ref": order["booking_ref"]}

    def audit(self, after=None, limit=500):
        """Every order, a page at a time, for ``make audit`` (docs: the audit contract)."""
        query = load_or_raise(AuditQuerySchema(), {"after": after, "limit": limit})
        orders, next_cursor = self.store.audit_page(query["after"], query["limit"])
        return AuditOrderPageSchema().dump({"items": orders, "next": next_cursor})

    def payable(self, order_id, user_id=None, now=None):
        """The order, if a payment may be taken for it now; Conflict ORDER_NOT_PAYABLE if not."""
        order = self.get(order_id, user_id)
        view = order_view(order)
        if not is_payable(order, now or utcnow()):
            raise Conflict("This order cannot be paid.", code="ORDER_NOT_PAYABLE",
                           details={"status": view["status"], "expires_at": view["expires_at"]})
        return view

    # -- placing an order --------------------------------------------------------------

    def place(self, user_id, data, idempotency_key=None):
        user_id = str(user_id)
        itinerary = isinstance(data, dict) and "segments" in data
        request = load_or_raise(ItineraryOrderSchema() if itinerary else PlaceOrderSchema(), data)
        if idempotency_key is None:
            self._check_unpaid_seats(user_id, request)
            return order_view(self._create(self.store.new_order_id(), user_id, request, undo_on_failure=True))

        own_order_id = self.store.new_order_id()
        claim = self._claim(user_id, idempotency_key, request, own_order_id)
        existing = self.store.find(claim["order_id"])
        if existing is not None:
            return order_view(existing)
        # Ours, or an earlier request with this key that has not finished (or failed):
        # drive the same order id, which hold_seats treats as a retry. What it holds is
        # never undone here: another request with the key may be using it. A hold this
        # request cannot account for (a timeout) stays until ticket's sweep ends it, and
        # the key stays claimed so a retry completes the same order.
        try:
            self._check_unpaid_seats(user_id, request)  # a retry of a placed order is not checked again
            return order_view(self._create(claim["order_id"], user_id, request, undo_on_failure=False))
        except Exception as error:
            # the hold was refused, so nothing is held: the request that claimed the key
            # frees it for another try, unless an order was made with it meanwhile
            if is_definitive(error) and claim["order_id"] == own_order_id and self.store.find(own_order_id) is None:
                self.store.release_idempotency_key(user_id, idempotency_key, own_order_id)
            raise

    def _check_unpaid_seats(self, user_id, request):
        """Seat squatting: one customer's unpaid holds are bounded per flight and in total.
        Checked before the hold from the orders already stored, so requests racing each
        other may pass it together (at most the concurrency of one customer's requests)."""
        if self.unpaid_seat_limits is None:
            return
        held = {}
        for order in self.store.unpaid_of_user(user_id, utcnow()):
            for flight_id, seats in seats_held(order).items():
                held[flight_id] = held.get(flight_id, 0) + seats
        check_unpaid_seats(held, seats_asked(request), *self.unpaid_seat_limits)

    def _claim(self, user_id, key, request, order_id):
        if not isinstance(key, str) or not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(
                "Invalid Idempotency-Key.",
                details={"fields": {"Idempotency-Key": [f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters."]}},
            )
        fingerprint = request_fingerprint(request)
        ttl = self.idempotency_key_ttl_seconds
        expired_before = epoch_millis(utcnow() - timedelta(seconds=ttl)) if ttl else None
        claim = self.store.claim_idempotency_key(user_id, key, fingerprint, order_id, expired_before)
        if claim["fingerprint"] != fingerprint:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.",
                code="IDEMPOTENCY_KEY_REUSED", details={"order_id": claim["order_id"]},
            )
        return claim

    def _create(self, order_id, user_id, request, undo_on_failure):
        """Hold the seats, then store the order. ``undo_on_failure``: release the hold if the
        hold call timed out or the order could not be stored (only when no other request
        can be driving the same order id, i.e. without an Idempotency-Key)."""
        if "segments" in request:
            return self._create_itinerary(order_id, user_id, request, undo_on_failure)
        hold = self._hold(order_id, request, undo_on_failure)
        try:
            fares = self.standard_fares(hold["flight_id"], sorted({seat["class"] for seat in hold["seats"]}))
        except Exception:
            if undo_on_failure:
                self._release_quietly(order_id)
            raise
        now = utcnow()
        order = {
            "_id": order_id,
            "user_id": user_id,
            "flight_id": hold["flight_id"],
            "status": PENDING_PAYMENT,
            "amount": int(hold["amount"]),
            "currency": hold["currency"],
            "expires_at": to_millis(datetime.fromisoformat(hold["expires_at"])),
            "passengers": assign_seats(request["passengers"], hold["seats"]),
            "tickets": [],
            **({"fares": fares} if fares else {FARES_PENDING: True} if fares is None else {}),
            "history": {PENDING_PAYMENT: iso(now)},
            "created_at": now,
        }
        return self._store_new(order, undo_on_failure)

    def standard_fares(self, flight_id, classes):
        """The one-flight form sells the standard fare of each cabin held: its rules, as track
        quotes them (one call). A flight track does not know (never scheduled through it)
        has no rules: ``[]``, and a cancellation refunds it all, as before. ``None`` when track
        does not answer: the booking is still sold (it never needed track), and its rules are
        asked when it is cancelled (``FARES_PENDING``; cancelling needs track anyway)."""
        try:
            quotes = self.services.track.fare_quotes([
                {"flight_id": flight_id, "class": cabin_class, "family": "standard"} for cabin_class in classes])
        except NotFound:
            return []
        except ServiceUnavailable:
            log.warning("track did not quote the fares of flight %s; they are asked on cancellation", flight_id)
            return None
        return [dict(fare, segment=0) for fare in order_fares(quotes)]

    def _create_itinerary(self, order_id, user_id, request, undo_on_failure):
        flights, quotes = ask_track_with_fares(self.services, request)
        check_itinerary(request, flights, self.min_connection_minutes)
        check_seat_choice(request, quotes)
        try:
            hold = self.services.ticket.hold_itinerary(order_id, hold_segments(request))
        except ServiceUnavailable:
            if undo_on_failure:  # the hold may still be applied after our deadline: undo it
                self._release_quietly(order_id)
            raise
        return self._store_new(itinerary_order(order_id, user_id, request, flights, hold, order_fares(quotes)),
                               undo_on_failure)

    def _store_new(self, order, undo_on_failure):
        order_id = order["_id"]
        payload = {
            "order_id": order_id, "user_id": order["user_id"], "flight_id": order["flight_id"],
            "seats": seat_numbers(order), "amount": order["amount"], "currency": order["currency"],
            "expires_at": iso(order["expires_at"]),
        }
        if "segments" in order:
            payload["flight_ids"] = flight_ids_of(order)
        created = new_event("order_created", payload)
        try:
            stored, inserted = self._insert_with_fresh_ref(order, created)
        except Exception:
            if undo_on_failure:
                self._release_quietly(order_id)
            raise
        if inserted:
            self.outbox.publish(order_id, [created])
        return stored

    def _hold(self, order_id, request, undo_on_failure):
        passengers = request["passengers"]
        named = [p["seat"] for p in passengers if p.get("seat")]
        count = len(passengers) - len(named)
        cabin_class = request["cabin_class"] or (DEFAULT_CABIN_CLASS if count else None)
        try:
            return self.services.ticket.hold_seats(
                order_id, request["flight_id"], named, cabin_class=cabin_class, count=count,
            )
        except ServiceUnavailable:
            if undo_on_failure:  # the hold may still be applied after our deadline: undo it
                self._release_quietly(order_id)
            raise

    def _insert_with_fresh_ref(self, order, created):
        """The stored order, and whether this call inserted it."""
        for _ in range(BOOKING_REF_ATTEMPTS):
            order["booking_ref"] = new_booking_ref()
            try:
                return self.store.insert(order, [created]), True
            except DuplicateOrder:
                existing = self.store.find(order["_id"])
                if existing is not None:  # a concurrent retry with the same key won
                    return existing, False
                # else the booking reference was taken: draw another
        raise ServiceUnavailable("Could not allocate a booking reference; try again.")

    def _release_quietly(self, order_id):
        try:
            self.services.ticket.release_hold(order_id)
        except Exception:  # the ticket sweep releases it at expiry anyway
            log.warning("could not release the hold of order %s; it expires on its own", order_id)

    # -- user cancellation -------------------------------------------------------------

    def cancel(self, order_id, user_id, now=None, reason=None):
        """Cancel the order for its owner. ``reason``: None (the default: ``order_cancelled``,
        the customer's choice, or ``disruption`` for a disrupted booking, ``fare_rules.cancel_reason``)
        or one the airline caused (``fare_rules.AIRLINE_REASONS``), which refunds everything
        whatever the fare. Only services pass a reason (the gateway never); it goes with
        ``order_cancelled`` to ticket and payment."""
        order = self.get(order_id, user_id)
        if reason is not None and reason not in CANCEL_REASONS:
            raise InvalidInput("Unknown cancellation reason.",
                               details={"fields": {"reason": [f"One of {', '.join(CANCEL_REASONS)}."]}})
        reason = reason or cancel_reason(order)
        action = cancel_action(order["status"])
        if action in ("refund", "wait"):
            self._refuse_after_departure(order, now or datetime.now(UTC))
        if action == "cancel":
            cancelled = self._cancel_unpaid(order, reason)
            if cancelled is not None:
                return order_view(cancelled)
            return self.cancel(order_id, user_id, now, reason)  # it moved meanwhile (paid or expired): decide again
        if action == "refund":
            if order.get(FARES_PENDING) and not order.get("refund_due"):
                fares = self.standard_fares(order["flight_id"], sorted({p["class"] for p in order["passengers"]}))
                if fares is None:
                    raise ServiceUnavailable("The fare rules cannot be read now; nothing was cancelled. Try again.")
                order = dict(order, fares=fares)
            # a cancellation asked again keeps the terms first decided: ticket and payment act on the first
            terms = order.get("refund_due") or refund_terms(order, reason)
            reason = terms["reason"]
            event = new_event("order_cancelled", dict(closing_payload(order, paid=True, reason=reason),
                                                      refund_amount=terms["amount"]))
            requested = self.store.add_events(order["_id"], [event], status=TICKETED, unless=("changing",),
                                              set_fields={"cancellation_requested_at": iso(utcnow()),
                                                          "cancel_reason": reason,
                                                          "refund_due": terms,
                                                          **({"fares": order["fares"]} if "fares" in order
                                                             and order.get(FARES_PENDING) else {})})
            if requested is None:
                changing = (self.store.find(order["_id"]) or {}).get("changing")
                if changing and not self.store.release_ended_change(order["_id"], changing):
                    raise Conflict("A change of this booking is being confirmed; cancel it again in a moment.",
                                   code="CHANGE_IN_PROGRESS", details={"status": order["status"]})
                return self.cancel(order_id, user_id, now, reason)  # refunded meanwhile: decide again
            self.outbox.publish(order["_id"], [event])
            return order_view(requested)
        if action == "wait":
            raise Conflict(
                "The order is paid and its tickets are being issued; cancel it again in a moment.",
                code="ORDER_BEING_TICKETED", details={"status": order["status"]},
            )
        return order_view(order)

    def _refuse_after_departure(self, order, now):
        """Conflict FLIGHT_DEPARTED once a flight of the order is boarding or gone: a paid
        booking is not refunded any more. Track decides (asked for every flight at once);
        if it does not answer, nothing is refunded (``ServiceUnavailable``). A flight track
        never scheduled has no departure to pass."""
        flight_ids = flight_ids_of(order)
        pending = [self.services.track.get_flight.call_async(flight_id) for flight_id in flight_ids]
        for flight_id, call in zip(flight_ids, pending):
            try:
                flight = call.result()
            except NotFound:
                continue
            if flight_has_departed(flight, now):
                raise Conflict(
                    "The flight has departed (or is boarding): this booking can no longer be cancelled or refunded.",
                    code="FLIGHT_DEPARTED",
                    details={"status": order["status"], "flight_id": flight_id,
                             "flight_status": flight["status"], "departure_at": flight.get("departure_at")},
                )

    def _cancel_unpaid(self, order, reason):
        event = new_event("order_cancelled", closing_payload(order, paid=False, reason=reason))
        cancelled = self.store.transition(order["_id"], CANCELLED, {"cancel_reason": reason}, events=[event])
        if cancelled is not None:
            self.outbox.publish(order["_id"], [event])
        return cancelled

    # -- timers ------------------------------------------------------------------------

    def expire_overdue(self, now=None):
        """PENDING_PAYMENT orders past ``expires_at`` become EXPIRED; returns how many."""
        now = now or utcnow()
        expired = 0
        for order in self.store.overdue(now, EXPIRY_BATCH):
            event = new_event("order_expired", closing_payload(order, paid=False, reason="expired"))
            if self.store.expire(order["_id"], now, events=[event]) is not None:
                self.outbox.publish(order["_id"], [event])
                expired += 1
        return expired

    def relay_events(self, older_than_seconds, now=None):
        """Publish the events a crash left in the orders' outboxes; returns how many."""
        return self.outbox.relay(older_than_seconds, now)

    # -- event handlers ----------------------------------------------------------------

    def on_payment_succeeded(self, payment):
        order_id, payment_id = payment["order_id"], payment["payment_id"]
        order = self.store.find(order_id)
        if order is None:
            self.dispatch("payment_rejected", {"payment_id": payment_id, "order_id": order_id,
                                               "reason": "order_unknown"})
            return
        paid_event = new_event("order_paid", paid_payload(order, payment_id))
        # a payment already refunded (events out of order) never makes the order PAID
        if self.store.mark_paid(order_id, payment_id, payment["amount"], events=[paid_event]) is not None:
            self.outbox.publish(order_id, [paid_event])
            return
        order = self.store.find(order_id)
        if order.get("payment_id") != payment_id:
            # expired, cancelled, or paid by another payment: this money goes back
            self._add_and_publish(order_id, new_event("payment_rejected", {
                "payment_id": payment_id, "order_id": order_id, "reason": f"order_{order['status'].lower()}",
            }))
        elif order["status"] == PAID:
            # replay while still PAID: ticket may have missed order_paid
            self.dispatch("order_paid", paid_event["payload"])
        # else: a replay of a payment the order already went past

    def _add_and_publish(self, order_id, event):
        if self.store.add_events(order_id, [event]) is not None:
            self.outbox.publish(order_id, [event])

    def on_tickets_issued(self, event):
        order = self.store.find(event["order_id"])
        fields = TICKET_FIELDS + ITINERARY_TICKET_FIELDS if order and "segments" in order else TICKET_FIELDS
        tickets = [{key: ticket.get(key) for key in fields} for ticket in event.get("tickets", [])]
        self.store.transition(event["order_id"], TICKETED, {"tickets": tickets})

    def on_payment_refunded(self, refund):
        """The order's payment was paid back: PAID (tickets never issued, e.g. ``ticketing_failed``,
        ``flight_departed``, ``hold_lost``) or TICKETED (cancelled) → REFUNDED, with the refund and
        its reason on the order."""
        order_id, payment_id = refund["order_id"], refund["payment_id"]
        if refund.get("change_id"):
            # a change's payment: given back when its exchange was refused (the change FAILED),
            # or with the order's own at a cancellation (the order's ``refund`` is its own payment's)
            return
        record = {
            "refund_id": refund.get("refund_id"), "amount": refund.get("amount"),
            "total": refund.get("order_total", refund.get("amount")),
            "reason": refund.get("reason"), "at": iso(utcnow()),
        }
        moved = self.store.mark_refunded(order_id, payment_id, record)
        if moved is None:
            # not (yet) paid by this payment: remember it so a late payment_succeeded cannot make it PAID
            self.store.remember_refunded_payment(order_id, payment_id, record["at"])

    def on_flight_cancelled(self, event):
        """Unpaid orders on the flight are cancelled here; paid ones are refunded
        by the chain tickets_cancelled -> payment_refunded, and marked disrupted
        (``cancelled``: the traveller is told, the refund is already on its way)."""
        flight_id = event["flight_id"]
        for order in self.store.on_flight(flight_id, PENDING_PAYMENT):
            self._cancel_unpaid(order, "flight_cancelled")
        for status in (PAID, TICKETED):
            for order in self.store.on_flight(flight_id, status):
                self._disrupt(order, flight_id, FLIGHT_WAS_CANCELLED, None)

    # -- involuntary changes: disruptions ------------------------------------------------

    def on_flight_retimed(self, event):
        """A delay: each live booking on the flight is disrupted if its connection breaks
        (its flights, asked of track, no longer connect) or the delay reaches the threshold."""
        flight_id = event["flight_id"]
        for order in self.store.on_flight(flight_id):
            if not is_disruptable(order):
                continue
            flight_ids = flight_ids_of(order)
            flights = ask_track(self.services, flight_ids) if len(flight_ids) > 1 else []
            reason = retime_reason(order, flight_id, int(event.get("delay_minutes") or 0),
                                   self.disruption_delay_minutes, flights, self.min_connection_minutes or 0)
            if reason is not None:
                self._disrupt(order, flight_id, reason, event.get("departure_at"))

    def on_booking_displaced(self, event):
        """An aircraft swap left the booking without seats on the flight: disrupted
        (``aircraft_change``), and an unpaid one can no longer be paid."""
        order = self.store.find(event["order_id"])
        if order is None or not is_disruptable(order):
            return
        try:
            departure_at = self.services.track.get_flight(event["flight_id"]).get("departure_at")
        except NotFound:
            departure_at = None
        self._disrupt(order, event["flight_id"], event.get("reason") or AIRCRAFT_CHANGE, departure_at,
                      set_fields={"seats_lost": True})

    def on_seats_reassigned(self, event, attempts=5):
        """An aircraft swap, or a check-in, moved some of the booking's seats: the order shows the new ones."""
        for _ in range(attempts):
            order = self.store.find(event["order_id"])
            if order is None or event["flight_id"] not in flight_ids_of(order):
                return
            passengers, tickets = reseated(order, event["flight_id"], event.get("seats") or [])
            if self.store.replace_seats(order["_id"], order.get("updated_at"), passengers, tickets):
                return
        raise ServiceUnavailable("The order kept changing; the seats are moved on the next delivery.")

    def _disrupt(self, order, flight_id, reason, departure_at, set_fields=None):
        """Mark the order disrupted for ``reason`` and announce ``booking_disrupted`` (once per
        flight and reason: a replay finds it marked and does nothing)."""
        options = disruption_options(reason, departure_at, self.disruption_move_window_hours)
        record, payload = new_disruption(order, flight_id, reason, utcnow(), options)
        event = new_event("booking_disrupted", payload)
        if self.store.add_disruption(order["_id"], disruption_key(flight_id, reason), record, [event],
                                     set_fields) is not None:
            self.outbox.publish(order["_id"], [event])
