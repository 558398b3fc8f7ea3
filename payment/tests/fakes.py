"""In-memory stand-ins for what ``payment.ledger.Ledger`` is given: the payment store,
the card processor and order's RPC (the dispatcher and the proxies' holder are in
``tests.helpers.fakes``). ``FakePaymentStore`` has the methods of
``payment.store.PaymentStore``, and ``test_store_contract.py`` checks both the same way."""
import copy
import itertools
from datetime import UTC, datetime

from common.errors import Conflict, NotFound
from payment import processor
from payment.domain import FAILED, NEVER_RECEIVED, PENDING, REFUNDED, REFUNDING, SUCCEEDED
from payment.store import OrderAlreadyCharged, charge_key, stamp


class FakePaymentStore:
    def __init__(self):
        self.payments = {}
        self._ids = itertools.count(1)

    def new_id(self):
        return f"{next(self._ids):024x}"  # 24 hex digits that sort by creation, as ObjectIds do

    # -- reading ---------------------------------------------------------------------

    def find(self, payment_id):
        return copy.deepcopy(self.payments.get(payment_id))

    def captured_for_order(self, order_id):
        return next((copy.deepcopy(p) for p in self.payments.values() if p.get("charge_key") == order_id), None)

    def for_change(self, change_id):
        found = sorted((p for p in self.payments.values() if p.get("change_id") == change_id), key=lambda p: p["_id"])
        return copy.deepcopy(found[-1]) if found else None

    def for_order(self, order_id):
        return copy.deepcopy(sorted((p for p in self.payments.values() if p["order_id"] == order_id),
                                    key=lambda p: p["_id"]))

    def _declines(self):
        return [p for p in self.payments.values() if p["status"] == FAILED and p["decline_reason"] != NEVER_RECEIVED]

    def declines_for_order(self, order_id):
        return sum(1 for p in self._declines() if p["order_id"] == order_id)

    def declines_of_user_since(self, user_id, since):
        return sorted(datetime.fromisoformat(p["updated_at"]) for p in self._declines()
                      if p["user_id"] == user_id and p["updated_at"] >= stamp(since))

    def unannounced_captures(self, created_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values() if p["status"] == SUCCEEDED
                              and "announced" not in p and p["created_at"] < created_before][:limit])

    def stale_pending(self, created_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values()
                              if p["status"] == PENDING and p["created_at"] < created_before][:limit])

    def stale_refunding(self, updated_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values()
                              if p["status"] == REFUNDING and p["updated_at"] < stamp(updated_before)][:limit])

    def unannounced_refunds(self, updated_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values() if p["status"] == REFUNDED
                              and "refund_announced" not in p and p["updated_at"] < stamp(updated_before)][:limit])

    def audit_page(self, after, limit):
        return copy.deepcopy([p for _, p in sorted(self.payments.items()) if after is None or p["_id"] > after][:limit])

    # -- writing ---------------------------------------------------------------------

    def insert_pending(self, payment):
        if self.captured_for_order(charge_key(payment)) is not None:
            raise OrderAlreadyCharged(payment["order_id"])
        self.payments[payment["_id"]] = dict(copy.deepcopy(payment), status=PENDING, charge_key=charge_key(payment),
                                             updated_at=stamp(payment["created_at"]))
        return self.find(payment["_id"])

    def discard_pending(self, payment_id):
        if self.payments.get(payment_id, {}).get("status") != PENDING:
            return False
        del self.payments[payment_id]
        return True

    def _move(self, payment_id, source, values, unset=()):
        payment = self.payments.get(payment_id)
        if payment is None or payment["status"] != source:
            return None
        payment.update(copy.deepcopy(values), updated_at=stamp(datetime.now(UTC)))
        for field in unset:
            payment.pop(field, None)
        return copy.deepcopy(payment)

    def mark_succeeded(self, payment_id, processor_reference):
        return self._move(payment_id, PENDING, {"status": SUCCEEDED, "processor_reference": processor_reference})

    def mark_failed(self, payment_id, reason):
        return self._move(payment_id, PENDING, {"status": FAILED, "decline_reason": reason}, unset=("charge_key",))

    def add_partial_refund(self, payment_id, change_id, refund):
        payment = self.payments.get(payment_id)
        if payment is None or payment["status"] != SUCCEEDED or change_id in payment.get("partial_refunds", {}):
            return None
        payment.setdefault("partial_refunds", {})[change_id] = copy.deepcopy(refund)
        return copy.deepcopy(payment)

    def mark_partial_refunded(self, payment_id, change_id):
        self.payments[payment_id]["partial_refunds"][change_id]["status"] = REFUNDED

    def mark_refunding(self, payment_id, refund):
        return self._move(payment_id, SUCCEEDED, {"status": REFUNDING, "refund": refund})

    def mark_refunded(self, payment_id, refund_id):
        payment = self.payments.get(payment_id)
        if payment is None or payment.get("refund", {}).get("id") != refund_id:
            return None
        return self._move(payment_id, REFUNDING, {"status": REFUNDED})

    def mark_announced(self, payment_id):
        if payment_id in self.payments:
            self.payments[payment_id]["announced"] = True

    def mark_refund_announced(self, payment_id):
        if payment_id in self.payments:
            self.payments[payment_id]["refund_announced"] = True

    def claim(self, payment_id, task, now, until):
        payment = self.payments.get(payment_id)
        if payment is None:
            return None
        owned_until = payment.get("claims", {}).get(task)
        if owned_until is not None and owned_until > stamp(now):
            return None
        payment.setdefault("claims", {})[task] = stamp(until)
        return copy.deepcopy(payment)


class FakeProcessor:
    """The acquirer, with its books in memory: the same card decisions as the simulated
    processor (``processor.charge``), a repeated refund id being the same refund.

    ``failure`` makes ``charge`` raise it before the acquirer receives the charge,
    ``failure_after_capture`` after it is in the books (the answer lost);
    ``refund_failure`` makes ``refund`` raise it before anything is refunded.
    ``on_charge`` / ``on_lookup`` / ``on_refund`` run inside those calls (to race a sweep)."""

    def __init__(self):
        self.books = {}
        self.refunds = []
        self.failure = None
        self.failure_after_capture = None
        self.refund_failure = None
        self.on_charge = None
        self.on_lookup = None
        self.on_refund = None
        self.refund_calls = 0

    def charge(self, idempotency_key, card_number, amount, currency):
        if self.failure is not None:
            raise self.failure
        result = self.books.setdefault(idempotency_key, processor.charge(card_number, amount, currency))
        if self.on_charge is not None:
            self.on_charge(idempotency_key)
        if self.failure_after_capture is not None:
            raise self.failure_after_capture
        return result

    def lookup(self, idempotency_key):
        if self.on_lookup is not None:
            self.on_lookup(idempotency_key)
        return self.books.get(idempotency_key)

    def refund(self, charge_reference, refund_id, amount, currency):
        self.refund_calls += 1
        if self.refund_failure is not None:
            raise self.refund_failure
        if self.on_refund is not None:
            self.on_refund(refund_id)
        done = next((r for r in self.refunds if r["refund_id"] == refund_id), None)
        if done is None:
            done = {"charge": charge_reference, "refund_id": refund_id, "amount": amount, "currency": currency}
            self.refunds.append(done)
        return dict(done)


class FakeOrder:
    """order's RPC as payment calls it. Whether an order is payable is order's rule, so the
    test says it (``add(order, payable=...)``) instead of this fake deciding it."""

    def __init__(self):
        self.orders = {}

    def add(self, order, payable=True):
        self.orders[order["id"]] = (copy.deepcopy(order), payable)
        return order

    def get_payable_order(self, order_id, user_id=None):
        order, payable = self.orders.get(order_id, (None, False))
        if order is None or (user_id is not None and order["user_id"] != user_id):
            raise NotFound("No such order.", details={"order_id": order_id})
        if not payable:
            raise Conflict("This order cannot be paid.", code="ORDER_NOT_PAYABLE",
                           details={"status": order["status"], "expires_at": order["expires_at"]})
        return copy.deepcopy(order)
