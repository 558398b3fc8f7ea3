"""The order side of the booking saga: placing, paying, ticketing, expiring,
cancelling and refunding orders. Every event handler here is idempotent (a
replay finds the order already moved and changes nothing) and tolerates events
out of order (a transition only happens from the states that allow it).

``Orders`` gets what a worker has (the order store, RPC clients, the event
dispatcher), so the nameko service stays a list of thin entrypoints, and a test can
hand it in-memory stand-ins (``order/tests/test_saga.py``).

The hold's lifetime is ticket's to decide (``HOLD_TTL_SECONDS``): an order expires
when ticket says its hold does (``expires_at`` of ``hold_seats``' answer).
"""
import logging
from datetime import datetime

from common.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable, load_or_raise
from order.domain import (
    CANCELLED,
    PAID,
    PENDING_PAYMENT,
    TICKETED,
    assign_seats,
    cancel_action,
    is_payable,
    iso,
    new_booking_ref,
    request_fingerprint,
    to_millis,
    utcnow,
)
from order.schemas import ListOrdersQuerySchema, OrderPageSchema, OrderSchema, PlaceOrderSchema
from order.store import DuplicateOrder

log = logging.getLogger(__name__)

BOOKING_REF_ATTEMPTS = 8
DEFAULT_CABIN_CLASS = "economy"
EXPIRY_BATCH = 200
MAX_IDEMPOTENCY_KEY_LENGTH = 255
TICKET_FIELDS = ("number", "order_id", "flight_id", "passenger_name", "seat", "class", "fare", "currency",
                 "status", "issued_at")


def order_view(order):
    return OrderSchema().dump(order)


def seat_numbers(order):
    return [passenger["seat"] for passenger in order["passengers"]]


class Orders:
    def __init__(self, store, services, dispatch):
        self.store = store
        self.services = services
        self.dispatch = dispatch

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
        request = load_or_raise(PlaceOrderSchema(), data)
        if idempotency_key is None:
            return order_view(self._create(self.store.new_order_id(), user_id, request))

        claim = self._claim(user_id, idempotency_key, request)
        existing = self.store.find(claim["order_id"])
        if existing is not None:
            return order_view(existing)
        # Ours, or an earlier request with this key that has not finished (or
        # failed): drive the same order id, which hold_seats treats as a retry.
        try:
            return order_view(self._create(claim["order_id"], user_id, request))
        except Exception:
            self.store.release_idempotency_key(user_id, idempotency_key, claim["order_id"])
            raise

    def _claim(self, user_id, key, request):
        if not isinstance(key, str) or not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(
                "Invalid Idempotency-Key.",
                details={"fields": {"Idempotency-Key": [f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters."]}},
            )
        fingerprint = request_fingerprint(request)
        claim = self.store.claim_idempotency_key(user_id, key, fingerprint, self.store.new_order_id())
        if claim["fingerprint"] != fingerprint:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.",
                code="IDEMPOTENCY_KEY_REUSED", details={"order_id": claim["order_id"]},
            )
        return claim

    def _create(self, order_id, user_id, request):
        hold = self._hold(order_id, request)
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
            "history": {PENDING_PAYMENT: iso(now)},
            "created_at": now,
        }
        try:
            stored = self._insert_with_fresh_ref(order)
        except Exception:
            self._release_quietly(order_id)
            raise
        if stored is order:
            self.dispatch("order_created", {
                "order_id": order_id, "user_id": user_id, "flight_id": order["flight_id"],
                "seats": seat_numbers(order), "amount": order["amount"], "currency": order["currency"],
                "expires_at": iso(order["expires_at"]),
            })
        return stored

    def _hold(self, order_id, request):
        passengers = request["passengers"]
        named = [p["seat"] for p in passengers if p.get("seat")]
        count = len(passengers) - len(named)
        cabin_class = request["cabin_class"] or (DEFAULT_CABIN_CLASS if count else None)
        try:
            return self.services.ticket.hold_seats(
                order_id, request["flight_id"], named, cabin_class=cabin_class, count=count,
            )
        except ServiceUnavailable:
            # the hold may still be applied after our deadline: undo it
            self._release_quietly(order_id)
            raise

    def _insert_with_fresh_ref(self, order):
        for _ in range(BOOKING_REF_ATTEMPTS):
            order["booking_ref"] = new_booking_ref()
            try:
                return self.store.insert(order)
            except DuplicateOrder:
                existing = self.store.find(order["_id"])
                if existing is not None:  # a concurrent retry with the same key won
                    return existing
                # else the booking reference was taken: draw another
        raise ServiceUnavailable("Could not allocate a booking reference; try again.")

    def _release_quietly(self, order_id):
        try:
            self.services.ticket.release_hold(order_id)
        except Exception:  # the ticket sweep releases it at expiry anyway
            log.warning("could not release the hold of order %s; it expires on its own", order_id)

    # -- user cancellation -------------------------------------------------------------

    def cancel(self, order_id, user_id):
        order = self.get(order_id, user_id)
        action = cancel_action(order["status"])
        if action == "cancel":
            cancelled = self._cancel_unpaid(order, "order_cancelled")
            if cancelled is not None:
                return order_view(cancelled)
            return self.cancel(order_id, user_id)  # it moved meanwhile (paid or expired): decide again
        if action == "refund":
            order = self.store.set_fields(order["_id"], {"cancellation_requested_at": iso(utcnow())})
            self._publish_closed("order_cancelled", order, paid=True, reason="order_cancelled")
            return order_view(order)
        if action == "wait":
            raise Conflict(
                "The order is paid and its tickets are being issued; cancel it again in a moment.",
                code="ORDER_BEING_TICKETED", details={"status": order["status"]},
            )
        return order_view(order)

    def _cancel_unpaid(self, order, reason):
        cancelled = self.store.transition(order["_id"], CANCELLED, {"cancel_reason": reason})
        if cancelled is not None:
            self._publish_closed("order_cancelled", cancelled, paid=False, reason=reason)
        return cancelled

    def _publish_closed(self, event_type, order, paid, reason):
        self.dispatch(event_type, {
            "order_id": order["_id"], "flight_id": order["flight_id"], "seats": seat_numbers(order),
            "paid": paid, "reason": reason,
        })

    # -- timer -------------------------------------------------------------------------

    def expire_overdue(self, now=None):
        """PENDING_PAYMENT orders past ``expires_at`` become EXPIRED; returns how many."""
        now = now or utcnow()
        expired = 0
        for order in self.store.overdue(now, EXPIRY_BATCH):
            moved = self.store.expire(order["_id"], now)
            if moved is not None:
                self._publish_closed("order_expired", moved, paid=False, reason="expired")
                expired += 1
        return expired

    # -- event handlers ----------------------------------------------------------------

    def on_payment_succeeded(self, payment):
        order_id, payment_id = payment["order_id"], payment["payment_id"]
        # a payment already refunded (events out of order) never makes the order PAID
        paid = self.store.mark_paid(order_id, payment_id, payment["amount"])
        if paid is None:
            order = self.store.find(order_id)
            if order is None or order.get("payment_id") != payment_id:
                # expired, cancelled, or paid by another payment: this money goes back
                status = order["status"] if order else "UNKNOWN"
                self.dispatch("payment_rejected", {
                    "payment_id": payment_id, "order_id": order_id, "reason": f"order_{status.lower()}",
                })
                return
            if order["status"] != PAID:
                return  # replay of a payment the order already went past
            paid = order  # replay while still PAID: ticket may have missed order_paid
        self.dispatch("order_paid", {
            "order_id": order_id, "user_id": paid["user_id"], "flight_id": paid["flight_id"],
            "payment_id": payment_id, "amount": paid["amount"], "currency": paid["currency"],
            "passengers": paid["passengers"],
        })

    def on_tickets_issued(self, event):
        tickets = [{key: ticket.get(key) for key in TICKET_FIELDS} for ticket in event.get("tickets", [])]
        self.store.transition(event["order_id"], TICKETED, {"tickets": tickets})

    def on_payment_refunded(self, refund):
        order_id, payment_id = refund["order_id"], refund["payment_id"]
        record = {
            "refund_id": refund.get("refund_id"), "amount": refund.get("amount"),
            "reason": refund.get("reason"), "at": iso(utcnow()),
        }
        moved = self.store.mark_refunded(order_id, payment_id, record)
        if moved is None:
            # not (yet) paid by this payment: remember it so a late payment_succeeded cannot make it PAID
            self.store.remember_refunded_payment(order_id, payment_id, record["at"])

    def on_flight_cancelled(self, event):
        """Unpaid orders on the flight are cancelled here; paid ones are refunded
        by the chain tickets_cancelled -> payment_refunded."""
        for order in self.store.on_flight(event["flight_id"], PENDING_PAYMENT):
            self._cancel_unpaid(order, "flight_cancelled")
