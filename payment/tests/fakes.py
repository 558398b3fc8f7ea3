"""In-memory stand-ins for what ``payment.ledger.Ledger`` is given: the payment store,
the card processor and order's RPC (the dispatcher and the proxies' holder are in
``tests.helpers.fakes``). ``FakePaymentStore`` has the methods of
``payment.store.PaymentStore``, and ``test_store_contract.py`` checks both the same way."""
import copy
import itertools

from common.errors import Conflict, NotFound
from payment import processor
from payment.domain import FAILED, PENDING, REFUNDED, SUCCEEDED
from payment.store import OrderAlreadyCharged


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

    def for_order(self, order_id):
        return copy.deepcopy(sorted((p for p in self.payments.values() if p["order_id"] == order_id),
                                    key=lambda p: p["_id"]))

    def unannounced_captures(self, created_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values() if p["status"] == SUCCEEDED
                              and "announced" not in p and p["created_at"] < created_before][:limit])

    def stale_pending(self, created_before, limit=100):
        return copy.deepcopy([p for p in self.payments.values()
                              if p["status"] == PENDING and p["created_at"] < created_before][:limit])

    # -- writing ---------------------------------------------------------------------

    def insert_pending(self, payment):
        if self.captured_for_order(payment["order_id"]) is not None:
            raise OrderAlreadyCharged(payment["order_id"])
        self.payments[payment["_id"]] = dict(copy.deepcopy(payment), status=PENDING, charge_key=payment["order_id"])
        return self.find(payment["_id"])

    def _move(self, payment_id, source, values, unset=()):
        payment = self.payments.get(payment_id)
        if payment is None or payment["status"] != source:
            return None
        payment.update(copy.deepcopy(values))
        for field in unset:
            payment.pop(field, None)
        return copy.deepcopy(payment)

    def mark_succeeded(self, payment_id, processor_reference):
        return self._move(payment_id, PENDING, {"status": SUCCEEDED, "processor_reference": processor_reference})

    def mark_failed(self, payment_id, reason):
        return self._move(payment_id, PENDING, {"status": FAILED, "decline_reason": reason}, unset=("charge_key",))

    def mark_refunded(self, payment_id, refund):
        return self._move(payment_id, SUCCEEDED, {"status": REFUNDED, "refund": refund})

    def mark_announced(self, payment_id):
        if payment_id in self.payments:
            self.payments[payment_id]["announced"] = True


class FakeProcessor:
    """The acquirer, with its books in memory: the same card decisions as the simulated
    processor (``processor.charge``). ``failure`` makes ``charge`` raise it; ``on_charge``
    runs between the acquirer's decision and its answer (to race the sweep)."""

    def __init__(self):
        self.books = {}
        self.refunds = []
        self.failure = None
        self.on_charge = None

    def charge(self, idempotency_key, card_number, amount, currency):
        if self.failure is not None:
            raise self.failure
        result = self.books.setdefault(idempotency_key, processor.charge(card_number, amount, currency))
        if self.on_charge is not None:
            self.on_charge(idempotency_key)
        return result

    def lookup(self, idempotency_key):
        return self.books.get(idempotency_key)

    def refund(self, charge_reference, refund_id, amount, currency):
        self.refunds.append({"charge": charge_reference, "refund_id": refund_id, "amount": amount,
                             "currency": currency})
        return self.refunds[-1]


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
