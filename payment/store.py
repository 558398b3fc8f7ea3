"""All of the payment service's MongoDB access: its collection, its indexes, every query.

``payments``: one document per attempt to pay an order. Only the card's brand,
last four digits and holder are stored, never the number or the CVC. A refunded
payment carries ``refund: {id, amount, reason, at}`` (shown as ``refund_id`` by
``payment.schemas.RefundSchema``).

``charge_key`` (= the order id) is set on a payment while it is pending or has
captured money, and removed when it fails; a sparse unique index on it makes a
second charge of the same order impossible, whatever the concurrency: the
payment is inserted *before* the processor is called.

There is no ``models.py``: MongoDB has no schema to declare, so the shape above and
the indexes in ``create_indexes`` are the whole of the data model. The answers'
shapes are in ``payment.schemas``. The simulated card processor keeps its own books
(``payment.processor``): they stand for the acquirer's records, not for ours.

``PaymentStore`` is what ``payment.ledger`` talks to; a test can stand an in-memory
store with the same methods in its place (``payment/tests/fakes.py``).
"""
from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from payment.domain import FAILED, PENDING, REFUNDED, SUCCEEDED


class OrderAlreadyCharged(Exception):
    """The order already has a payment that is pending or has captured money."""


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
    db.payments.create_index("charge_key", unique=True, sparse=True)
    db.payments.create_index([("order_id", ASCENDING)])
    db.payments.create_index([("status", ASCENDING), ("created_at", ASCENDING)])


class PaymentStore:
    def __init__(self, db):
        self.db = db

    @staticmethod
    def new_id():
        return str(ObjectId())

    # -- reading ---------------------------------------------------------------------

    def find(self, payment_id):
        return self.db.payments.find_one({"_id": payment_id})

    def captured_for_order(self, order_id):
        """The order's payment that holds money (pending, succeeded or refunded), if any."""
        return self.db.payments.find_one({"charge_key": order_id})

    def for_order(self, order_id):
        """Every attempt to pay the order, oldest first."""
        return list(self.db.payments.find({"order_id": order_id}).sort("_id", ASCENDING))

    def unannounced_captures(self, created_before, limit=100):
        """Captured payments whose ``payment_succeeded`` may never have left (a crash in between)."""
        return list(self.db.payments.find(
            {"status": SUCCEEDED, "announced": {"$exists": False}, "created_at": {"$lt": created_before}},
        ).limit(limit))

    def stale_pending(self, created_before, limit=100):
        """Payments still waiting for the processor's answer long after they began."""
        return list(self.db.payments.find({"status": PENDING, "created_at": {"$lt": created_before}}).limit(limit))

    # -- writing ---------------------------------------------------------------------

    def insert_pending(self, payment):
        """Raises OrderAlreadyCharged if the order already has a pending or captured payment."""
        try:
            self.db.payments.insert_one(dict(payment, status=PENDING, charge_key=payment["order_id"]))
        except DuplicateKeyError:
            raise OrderAlreadyCharged(payment["order_id"])
        return self.find(payment["_id"])

    def mark_succeeded(self, payment_id, processor_reference):
        """PENDING → SUCCEEDED; None if it was not PENDING (the sweep settled it first)."""
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": PENDING},
            {"$set": {"status": SUCCEEDED, "processor_reference": processor_reference}},
            return_document=ReturnDocument.AFTER,
        )

    def mark_failed(self, payment_id, reason):
        """PENDING → FAILED, and the order may be charged again; None if it was not PENDING."""
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": PENDING},
            {"$set": {"status": FAILED, "decline_reason": reason}, "$unset": {"charge_key": ""}},
            return_document=ReturnDocument.AFTER,
        )

    def mark_refunded(self, payment_id, refund):
        """SUCCEEDED → REFUNDED exactly once; None if it was not SUCCEEDED."""
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": SUCCEEDED},
            {"$set": {"status": REFUNDED, "refund": refund}},
            return_document=ReturnDocument.AFTER,
        )

    def mark_announced(self, payment_id):
        self.db.payments.update_one({"_id": payment_id}, {"$set": {"announced": True}})
