"""Charging and refunding. Money rules:

- at most one payment per order can be pending or captured (``charge_key``);
- a captured payment is refunded at most once (conditional SUCCEEDED → REFUNDED);
- a capture the order cannot take (expired, cancelled) is refunded: the order
  service answers it with ``payment_rejected``;
- a payment left ``pending`` by a crash (the processor's answer never recorded) is
  settled by the sweep from the processor's own books: captured → succeeded and
  announced (then ticketed, or refunded if the order has closed meanwhile), never
  received → failed, and the order can be paid again.

Whether an order can be paid is order's rule: ``pay`` asks ``order.get_payable_order``,
which answers the order or raises ``Conflict`` ``ORDER_NOT_PAYABLE``.

``Ledger`` gets the payment store, RPC clients, the event dispatcher and the card
processor, so a test can hand it in-memory stand-ins (``payment/tests/test_ledger.py``).
"""
from datetime import UTC, datetime, timedelta

from common.errors import Conflict, NotFound, PaymentDeclined, ServiceUnavailable, load_or_raise
from payment.domain import FAILED, REFUNDED, SUCCEEDED
from payment.schemas import CardSchema, PaymentSchema
from payment.store import OrderAlreadyCharged


def payment_view(payment):
    return PaymentSchema().dump(payment)


def _now():
    return datetime.now(UTC)


class Ledger:
    def __init__(self, store, services, dispatch, processor):
        self.store = store
        self.services = services
        self.dispatch = dispatch
        self.processor = processor

    def pay(self, order_id, user_id, card_data):
        card = load_or_raise(CardSchema(), card_data, message="Invalid card details")
        # NotFound if not the caller's, Conflict ORDER_NOT_PAYABLE if it cannot be paid now
        order = self.services.order.get_payable_order(order_id, str(user_id))
        payment = {
            "_id": self.store.new_id(),
            "order_id": order["id"],
            "user_id": order["user_id"],
            "flight_id": order["flight_id"],
            "amount": order["amount"],  # from the order, never from the client
            "currency": order["currency"],
            "card": {"brand": card["brand"], "last4": card["card_number"][-4:], "holder": card["holder"]},
            "created_at": _now(),
        }
        try:
            payment = self.store.insert_pending(payment)
        except OrderAlreadyCharged:
            raise Conflict("This order already has a payment in progress or completed.",
                           code="ORDER_ALREADY_PAID", details={"order_id": order["id"]})

        try:
            result = self.processor.charge(payment["_id"], card["card_number"], payment["amount"], payment["currency"])
        except Exception:
            self.store.mark_failed(payment["_id"], "processor_error")
            raise ServiceUnavailable("The card processor is not answering; nothing was charged.")
        if not result.approved:
            self.store.mark_failed(payment["_id"], result.decline_reason)
            self.dispatch("payment_failed", {
                "payment_id": payment["_id"], "order_id": payment["order_id"], "reason": result.decline_reason,
            })
            raise PaymentDeclined("The card was declined.", details={
                "payment_id": payment["_id"], "reason": result.decline_reason,
            })
        captured = self.store.mark_succeeded(payment["_id"], result.reference)
        if captured is None:
            captured = self._settled_meanwhile(payment, result)
        self.announce(captured)
        return payment_view(captured)

    def _settled_meanwhile(self, payment, result):
        """The sweep settled this payment while the processor was answering: it either
        saw the capture too (fine), or gave up on it first, and then the money goes back."""
        current = self.store.find(payment["_id"])
        if current["status"] != FAILED:
            return current
        self.processor.refund(result.reference, "re_" + payment["_id"], payment["amount"], payment["currency"])
        raise ServiceUnavailable("The card processor answered too late; the charge was reversed. Try again.")

    def announce(self, payment):
        """Publish ``payment_succeeded``, then note it was published. A crash in between
        leaves it unannounced, and the sweep publishes it again (the order side is idempotent)."""
        self.dispatch("payment_succeeded", {
            "payment_id": payment["_id"], "order_id": payment["order_id"], "user_id": payment["user_id"],
            "amount": payment["amount"], "currency": payment["currency"],
        })
        self.store.mark_announced(payment["_id"])

    def announce_forgotten(self, grace_seconds):
        """Re-publish captures older than ``grace_seconds`` that were never announced."""
        stale = self.store.unannounced_captures(_now() - timedelta(seconds=grace_seconds))
        for payment in stale:
            self.announce(payment)
        return len(stale)

    def settle_abandoned(self, grace_seconds):
        """Payments still pending ``grace_seconds`` after they began: their worker died
        between asking the processor and recording its answer. The processor's books say
        what happened."""
        settled = 0
        for payment in self.store.stale_pending(_now() - timedelta(seconds=grace_seconds)):
            result = self.processor.lookup(payment["_id"])
            if result is not None and result.approved:
                captured = self.store.mark_succeeded(payment["_id"], result.reference)
                if captured is not None:
                    self.announce(captured)
            else:
                self.store.mark_failed(payment["_id"], result.decline_reason if result else "abandoned")
            settled += 1
        return settled

    def refund_order(self, order_id, reason):
        """Refund whatever the order captured (tickets cancelled); nothing if it captured nothing."""
        payment = self.store.captured_for_order(order_id)
        if payment is not None:
            self.refund_payment(payment["_id"], reason)

    def refund_payment(self, payment_id, reason):
        payment = self.store.find(payment_id)
        if payment is None or payment["status"] not in (SUCCEEDED, REFUNDED):
            return
        if payment["status"] != REFUNDED:
            refund = {"id": "re_" + self.store.new_id(), "amount": payment["amount"], "reason": reason,
                      "at": _now().isoformat()}
            claimed = self.store.mark_refunded(payment_id, refund)
            if claimed is not None:
                # only the worker that recorded the refund moves the money, so it moves once;
                # the refund id is the processor's idempotency key
                self.processor.refund(payment.get("processor_reference"), refund["id"], refund["amount"],
                                      payment["currency"])
            payment = claimed or self.store.find(payment_id)
        # Published again on a replay: the order's handler is idempotent, and this
        # repairs a crash between recording the refund and announcing it.
        self.dispatch("payment_refunded", {
            "payment_id": payment["_id"], "refund_id": payment["refund"]["id"], "order_id": payment["order_id"],
            "amount": payment["refund"]["amount"], "currency": payment["currency"],
            "reason": payment["refund"]["reason"],
        })

    def get(self, payment_id):
        payment = self.store.find(payment_id)
        if payment is None:
            raise NotFound("No such payment.", details={"payment_id": payment_id})
        return payment_view(payment)

    def for_order(self, order_id):
        return [payment_view(p) for p in self.store.for_order(order_id)]
