"""Charging and refunding. Money rules:

- at most one payment per order (and one per voluntary change of it) can be pending or
  hold money (``charge_key``);
- only a definite answer fails a payment (the card was declined, or the processor's
  books show it never received the charge). An exception or a timeout from the
  processor leaves the payment ``pending`` with its charge key: the customer gets 503
  ``PAYMENT_OUTCOME_UNKNOWN``, a second ``pay`` of the order 409 ``PAYMENT_BEING_SETTLED``,
  and the sweep settles it from the processor's books (captured → succeeded and
  announced, then ticketed or refunded if the order has closed meanwhile; never
  received → failed, and the order can be paid again);
- a refund goes succeeded → refunding (the refund id recorded first) → the processor
  is asked with that refund id as its idempotency key → refunded → ``payment_refunded``
  published, so the order shows REFUNDED only once the money has moved. A refund the
  processor did not confirm stays ``refunding`` and the sweep asks again, same key;
- a capture the order cannot take (expired, cancelled) is refunded: the order
  service answers it with ``payment_rejected``.

Several payment processes may sweep at once: each sweep first claims a payment by a
conditional update (``PaymentStore.claim``, owned for ``grace_seconds``), and every move
is conditional on the state it leaves, so a capture is announced, and a refund moved
and announced, once.

A voluntary change with something due (order's change saga, ``order.changes``) is a
payment of its own (``charge_change``): ``change_id`` on it and its own charge key
``change:<change id>``, so asked again it never charges twice. It is not the order's
payment: no ``payment_succeeded`` is published for it (the change saga asks
``change_payment``), the sweep settles it from the processor's books like any other, and
it is refunded whole (``refund_change``) if the exchange is refused. A later cancellation
(``refund_order``) refunds across every payment that holds the order's money, the order's
own first (``domain.split_refund``), never more than they captured.

Whether an order can be paid is order's rule: ``pay`` asks ``order.get_payable_order``,
which answers the order or raises ``Conflict`` ``ORDER_NOT_PAYABLE``.

Card testing is payment's to stop (``DeclineLimits``): an order declined
``LIMIT_DECLINES_PER_ORDER`` times takes no more payments, good card included (409
``TOO_MANY_DECLINES``; it expires as any unpaid order does), and a user declined
``LIMIT_DECLINES_PER_USER`` times within the window pays nothing until the oldest of them
leaves it (429 ``TOO_MANY_DECLINES_FOR_USER``). A pending payment is no decline, nor is
one the processor never received. The limits are checked again once the payment holds its
order's charge key: no other payment of the order can then be at the processor, so the
order's count is exact, and no order is ever declined more than its limit. Payments of
one user on different orders are not serialised: N of them at once may each see the
user one decline under the limit, so a user's count can pass it by N - 1 at most.

``Ledger`` gets the payment store, RPC clients, the event dispatcher, the card
processor and the decline limits, so a test can hand it in-memory stand-ins
(``payment/tests/test_ledger.py``).
"""
import logging
from datetime import UTC, datetime, timedelta

from common.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PaymentDeclined,
    ServiceUnavailable,
    TooManyRequests,
    load_or_raise,
)
from payment.domain import (
    FAILED,
    NEVER_RECEIVED,
    PENDING,
    REFUNDED,
    REFUNDING,
    SUCCEEDED,
    refund_amount,
    refundable,
    split_refund,
)
from payment.schemas import AuditPaymentSchema, CardSchema, PaymentSchema
from payment.store import OrderAlreadyCharged

log = logging.getLogger(__name__)
AUDIT_PAGE_MAX = 1000
# the reason of the refund that undoes a change's payment when its exchange was refused
CHANGE_FAILED = "change_failed"
HOLDING = (SUCCEEDED, REFUNDING, REFUNDED)


# made once: a marshmallow schema deep-copies its fields when made
PAYMENT_VIEW = PaymentSchema()


def payment_view(payment):
    return PAYMENT_VIEW.dump(payment)


def _now():
    return datetime.now(UTC)


class Ledger:
    def __init__(self, store, services, dispatch, processor, decline_limits):
        self.store = store
        self.services = services
        self.dispatch = dispatch
        self.processor = processor
        self.decline_limits = decline_limits

    def pay(self, order_id, user_id, card_data):
        card = load_or_raise(CardSchema(), card_data, message="Invalid card details")
        # NotFound if not the caller's, Conflict ORDER_NOT_PAYABLE if it cannot be paid now
        order = self.services.order.get_payable_order(order_id, str(user_id))
        # before the charge key, so a refused attempt leaves no pending payment behind
        self._refuse_beyond_decline_limits(order)
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
            raise self._already_charged(order["id"])
        try:
            # again, holding the charge key: a payment that failed meanwhile is counted now
            self._refuse_beyond_decline_limits(order)
        except DomainError:
            self.store.discard_pending(payment["_id"])
            raise

        try:
            result = self.processor.charge(payment["_id"], card["card_number"], payment["amount"], payment["currency"])
        except Exception:
            # no answer is not a no: the charge may have been captured, so the payment stays
            # pending (and keeps the order's charge key) until the sweep reads the processor's books
            log.warning("payment %s: no answer from the card processor; left pending for the sweep",
                        payment["_id"], exc_info=True)
            raise ServiceUnavailable(
                "The card processor did not answer. Whether the card was charged is being settled with it; "
                "the order shows the outcome shortly.",
                code="PAYMENT_OUTCOME_UNKNOWN", details={"payment_id": payment["_id"], "order_id": order["id"]})
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

    def charge_change(self, order_id, user_id, change_id, amount, currency, card_data):
        """Charge ``card_data`` ``amount`` for the change ``change_id`` of the order (order's
        change saga decided the amount). Idempotent by change id: the change's payment as it
        is if it was charged already; ``PaymentDeclined`` again if it was declined;
        ``ServiceUnavailable`` while its outcome is unknown (the sweep settles it)."""
        card = load_or_raise(CardSchema(), card_data, message="Invalid card details")
        if not isinstance(amount, int) or amount <= 0:
            raise InvalidInput("A change's payment takes a positive amount.", details={"amount": amount})
        earlier = self.store.for_change(change_id)
        if earlier is not None:
            return self._change_payment_answer(earlier)
        self._refuse_user_beyond_decline_limits(str(user_id))
        payment = {
            "_id": self.store.new_id(), "order_id": str(order_id), "user_id": str(user_id), "change_id": change_id,
            "flight_id": None, "amount": amount, "currency": currency,
            "card": {"brand": card["brand"], "last4": card["card_number"][-4:], "holder": card["holder"]},
            "created_at": _now(),
        }
        try:
            payment = self.store.insert_pending(payment)
        except OrderAlreadyCharged:  # a twin request inserted it first
            return self._change_payment_answer(self.store.for_change(change_id))
        try:
            result = self.processor.charge(payment["_id"], card["card_number"], amount, currency)
        except Exception:
            log.warning("change payment %s: no answer from the card processor; left pending for the sweep",
                        payment["_id"], exc_info=True)
            return self._change_payment_answer(self.store.find(payment["_id"]))
        if not result.approved:
            self.store.mark_failed(payment["_id"], result.decline_reason)
        else:
            captured = self.store.mark_succeeded(payment["_id"], result.reference)
            if captured is None:
                self._settled_meanwhile(payment, result)
            self.store.mark_announced(payment["_id"])
        return self._change_payment_answer(self.store.find(payment["_id"]))

    def _change_payment_answer(self, payment):
        if payment["status"] == PENDING:
            raise ServiceUnavailable(
                "The card processor did not answer. Whether the card was charged is being settled with it; "
                "the change shows the outcome shortly.", code="PAYMENT_OUTCOME_UNKNOWN",
                details={"payment_id": payment["_id"], "change_id": payment["change_id"]})
        if payment["status"] == FAILED:
            raise PaymentDeclined("The card was declined.", details={
                "payment_id": payment["_id"], "reason": payment.get("decline_reason")})
        return payment_view(payment)

    def change_payment(self, change_id):
        """The latest payment of the change (any status), or None if it was never asked for."""
        payment = self.store.for_change(change_id)
        return payment_view(payment) if payment is not None else None

    def refund_change(self, change_id, reason=CHANGE_FAILED):
        """Give back the whole of a change's payment (its exchange was refused); once, however often asked."""
        payment = self.store.for_change(change_id)
        if payment is not None:
            self.refund_payment(payment["_id"], reason)

    def _refuse_beyond_decline_limits(self, order):
        limits = self.decline_limits
        declines = self.store.declines_for_order(order["id"])
        if limits.order_exhausted(declines):
            raise Conflict(
                f"This order has reached its limit of declined payments ({declines}): it takes no more "
                "payments, and its seats are released when it expires.",
                code="TOO_MANY_DECLINES",
                details={"order_id": order["id"], "expires_at": order.get("expires_at")})
        self._refuse_user_beyond_decline_limits(order["user_id"])

    def _refuse_user_beyond_decline_limits(self, user_id):
        limits = self.decline_limits
        now = _now()
        since = now - timedelta(seconds=limits.window_seconds)
        wait = limits.user_wait(self.store.declines_of_user_since(user_id, since), now)
        if wait is not None:
            raise TooManyRequests("Too many declined payments. Try again later.", code="TOO_MANY_DECLINES_FOR_USER",
                                  details={"retry_after": wait})

    def _already_charged(self, order_id):
        current = self.store.captured_for_order(order_id)
        if current is not None and current["status"] == PENDING:
            return Conflict("A payment of this order is waiting for the card processor's answer; "
                            "it is being settled. Look at the order again shortly.",
                            code="PAYMENT_BEING_SETTLED", details={"order_id": order_id, "payment_id": current["_id"]})
        return Conflict("This order already has a payment in progress or completed.",
                        code="ORDER_ALREADY_PAID", details={"order_id": order_id})

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
        leaves it unannounced, and the sweep publishes it again (the order side is idempotent).
        A change's payment is not the order's: nothing is published for it."""
        if payment.get("change_id"):
            self.store.mark_announced(payment["_id"])
            return
        self.dispatch("payment_succeeded", {
            "payment_id": payment["_id"], "order_id": payment["order_id"], "user_id": payment["user_id"],
            "amount": payment["amount"], "currency": payment["currency"],
        })
        self.store.mark_announced(payment["_id"])

    def announce_forgotten(self, grace_seconds):
        """Re-publish captures and refunds older than ``grace_seconds`` that were never
        announced (a crash between the move and the event); returns how many."""
        now, lease = _now(), timedelta(seconds=grace_seconds)
        announced = 0
        for payment in self.store.unannounced_captures(now - lease):
            claimed = self.store.claim(payment["_id"], "announce", now, now + lease)
            if claimed is not None and not claimed.get("announced"):
                self.announce(claimed)
                announced += 1
        for payment in self.store.unannounced_refunds(now - lease):
            claimed = self.store.claim(payment["_id"], "announce_refund", now, now + lease)
            if claimed is not None and not claimed.get("refund_announced"):
                self.announce_refund(claimed)
                announced += 1
        return announced

    def settle_abandoned(self, grace_seconds):
        """Payments still pending ``grace_seconds`` after they began: their worker died, or
        the processor did not answer it. The processor's books say what happened; a
        processor that still does not answer leaves them pending for the next sweep."""
        now, lease = _now(), timedelta(seconds=grace_seconds)
        settled = 0
        for payment in self.store.stale_pending(now - lease):
            claimed = self.store.claim(payment["_id"], "settle", now, now + lease)
            if claimed is None or claimed["status"] != PENDING:
                continue
            try:
                result = self.processor.lookup(payment["_id"])
            except Exception:
                log.warning("payment %s: the card processor's books cannot be read; settled later",
                            payment["_id"], exc_info=True)
                continue
            if result is None:
                self.store.mark_failed(payment["_id"], NEVER_RECEIVED)
            elif result.approved:
                captured = self.store.mark_succeeded(payment["_id"], result.reference)
                if captured is not None:
                    self.announce(captured)
            else:
                self.store.mark_failed(payment["_id"], result.decline_reason)
            settled += 1
        return settled

    def finish_refunds(self, grace_seconds):
        """Refunds recorded more than ``grace_seconds`` ago and not known to be done (a
        crash, or a processor that did not answer): asked again with the same refund id,
        which the processor applies once. Returns how many were finished."""
        now, lease = _now(), timedelta(seconds=grace_seconds)
        finished = 0
        for payment in self.store.stale_refunding(now - lease):
            claimed = self.store.claim(payment["_id"], "refund", now, now + lease)
            if claimed is not None and claimed["status"] == REFUNDING and self._complete_refund(claimed):
                finished += 1
        return finished

    def refund_order(self, order_id, reason, amount=None):
        """Refund what the order captured (tickets cancelled): ``amount`` of it when the fare
        rules said so (order's ``refund_amount``, carried by ticket), else all of it; nothing
        if it captured nothing. The money may be in several payments (the order's own, and
        its changes' payments not given back already): ``split_refund`` says what each gives,
        the same on a replay, and each is refunded once. A payment still pending is refunded
        once settled: order rejects a late capture."""
        held = self._held(order_id)
        shares = split_refund([refundable(p) for p in held], amount)
        for held_payment, share in zip(held, shares):
            # each part says what the whole cancellation gives back (the order's answer, its
            # email): the order's changes' payments may hold part of the money
            self.refund_payment(held_payment["_id"], reason, share, order_total=sum(shares))

    def _held(self, order_id):
        """The payments holding the order's money, in the order refunds take from them: its
        own, then its changes' (those given back whole because their change failed excluded)."""
        payment = self.store.captured_for_order(order_id)
        held = [p for p in self.store.for_order(order_id) if p.get("change_id") and p["status"] in HOLDING
                and (p.get("refund") or {}).get("reason") != CHANGE_FAILED]
        return ([payment] if payment is not None else []) + held

    def refund_residual(self, order_id, change_id, amount):
        """Give back ``amount`` of the order's money for the change ``change_id`` (a cheaper
        flight on a refundable fare), once however often asked: split over the payments
        holding the money as a cancellation's refund is, each recording it under the change
        id (``partial_refunds``) before the processor is asked with that refund id. The
        payments stay succeeded; a later refund gives back at most what is left. Raises
        ``ServiceUnavailable`` while the processor has not confirmed it (asked again: the same refund)."""
        held = self._held(order_id)
        done = [p for p in held if change_id in (p.get("partial_refunds") or {})]
        if not done:
            shares = split_refund([refundable(p) if p["status"] == SUCCEEDED else 0 for p in held], amount)
            for payment, share in zip(held, shares):
                if share > 0:
                    refund = {"id": "re_" + self.store.new_id(), "amount": share, "reason": "change_residual",
                              "status": REFUNDING, "at": _now().isoformat()}
                    self.store.add_partial_refund(payment["_id"], change_id, refund)
            held = self._held(order_id)
            done = [p for p in held if change_id in (p.get("partial_refunds") or {})]
        for payment in done:
            refund = payment["partial_refunds"][change_id]
            if refund["status"] == REFUNDED:
                continue
            try:
                self.processor.refund(payment.get("processor_reference"), refund["id"], refund["amount"],
                                      payment["currency"])
            except Exception:
                log.warning("residual refund %s of payment %s: no answer from the card processor",
                            refund["id"], payment["_id"], exc_info=True)
                raise ServiceUnavailable("The card processor did not confirm the refund; it is asked again shortly.",
                                         code="REFUND_PENDING", details={"change_id": change_id})
            self.store.mark_partial_refunded(payment["_id"], change_id)
        return sum(p["partial_refunds"][change_id]["amount"] for p in done)

    def refund_payment(self, payment_id, reason, amount=None, order_total=None):
        """Refund ``amount`` of the payment (None: what it holds); ``order_total``: what the
        order's cancellation gives back across its payments, noted on each part."""
        payment = self.store.find(payment_id)
        if payment is None or payment["status"] not in (SUCCEEDED, REFUNDING, REFUNDED):
            return
        if payment["status"] == SUCCEEDED:
            refund = {"id": "re_" + self.store.new_id(), "amount": refund_amount(refundable(payment), amount),
                      "reason": reason, "at": _now().isoformat()}
            if order_total is not None:
                refund["order_total"] = order_total
            # recorded before the processor is asked: whoever finds it refunding asks with this id
            payment = self.store.mark_refunding(payment_id, refund) or self.store.find(payment_id)
        if payment["status"] == REFUNDING:
            self._complete_refund(payment)
        elif payment["status"] == REFUNDED:
            # a replay: the order's handler is idempotent, and this repairs a crash
            # between recording the refund and announcing it
            self.announce_refund(payment)

    def _complete_refund(self, payment):
        """Ask the processor for a recorded refund, then mark it refunded and announce it;
        the refunded payment, or None if the processor did not answer (or another worker
        finished it first and announces it)."""
        refund = payment["refund"]
        try:
            # nothing to give back (a fare that keeps it all): the refund closes without the processor
            if refund["amount"] > 0:
                self.processor.refund(payment.get("processor_reference"), refund["id"], refund["amount"],
                                      payment["currency"])
        except Exception:
            log.warning("refund %s of payment %s: no answer from the card processor; the sweep asks again",
                        refund["id"], payment["_id"], exc_info=True)
            return None
        refunded = self.store.mark_refunded(payment["_id"], refund["id"])
        if refunded is not None:
            self.announce_refund(refunded)
        return refunded

    def announce_refund(self, payment):
        refund = {
            "payment_id": payment["_id"], "refund_id": payment["refund"]["id"], "order_id": payment["order_id"],
            "amount": payment["refund"]["amount"], "currency": payment["currency"],
            "reason": payment["refund"]["reason"],
        }
        if payment.get("change_id"):  # a change's payment, not the order's own
            refund["change_id"] = payment["change_id"]
        if payment["refund"].get("order_total") is not None:
            refund["order_total"] = payment["refund"]["order_total"]
        self.dispatch("payment_refunded", refund)
        self.store.mark_refund_announced(payment["_id"])

    def audit(self, after=None, limit=500):
        """One page of every payment, as the audit contract says (read-only)."""
        if not isinstance(limit, int) or not 1 <= limit <= AUDIT_PAGE_MAX:
            raise InvalidInput(f"limit is 1 to {AUDIT_PAGE_MAX}.", details={"limit": limit})
        page = self.store.audit_page(after, limit)
        return {"items": AuditPaymentSchema(many=True).dump(page),
                "next": page[-1]["_id"] if len(page) == limit else None}

    def get(self, payment_id):
        payment = self.store.find(payment_id)
        if payment is None:
            raise NotFound("No such payment.", details={"payment_id": payment_id})
        return payment_view(payment)

    def for_order(self, order_id):
        return [payment_view(p) for p in self.store.for_order(order_id)]
