"""All of the payment service's MongoDB access: its collection, its indexes, every query.

``payments``: one document per attempt to pay an order. Only the card's brand,
last four digits and holder are stored, never the number or the CVC. Its status goes
pending -> failed | succeeded -> refunding -> refunded (``payment.domain``). A payment
being refunded or refunded carries ``refund: {id, amount, reason, at}`` (shown as
``refund_id`` by ``payment.schemas.RefundSchema``); the refund id is written before
the processor is asked and is its idempotency key. ``updated_at`` is the time of the
last move; ``announced`` / ``refund_announced`` note that ``payment_succeeded`` /
``payment_refunded`` left; ``claims.<task>`` is the time until which one sweep owns a
task on the payment (two replicas sweep the same collection). A failed payment's
``decline_reason`` says why; every failure but ``abandoned`` (never received) is a
decline, counted per order and per user since a time (``updated_at`` of the failure) for
the decline limits (``payment.domain.DeclineLimits``).

``charge_key`` (= the order id; ``change:<change id>`` for the payment of a voluntary
change, which also carries ``change_id``) is set on a payment while it is pending or has
captured money, and removed when it fails; a sparse unique index on it makes a
second charge of the same order (or change) impossible, whatever the concurrency: the
payment is inserted *before* the processor is called.

There is no ``models.py``: MongoDB has no schema to declare, so the shape above and
the indexes in ``create_indexes`` are the whole of the data model. The answers'
shapes are in ``payment.schemas``. The simulated card processor keeps its own books
(``payment.processor``): they stand for the acquirer's records, not for ours.

``PaymentStore`` is what ``payment.ledger`` talks to; a test can stand an in-memory
store with the same methods in its place (``payment/tests/fakes.py``).
"""
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from payment.domain import FAILED, NEVER_RECEIVED, PENDING, REFUNDED, REFUNDING, SUCCEEDED


class OrderAlreadyCharged(Exception):
    """The order already has a payment that is pending or has captured money."""


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
    db.payments.create_index("charge_key", unique=True, sparse=True)
    db.payments.create_index([("order_id", ASCENDING)])
    db.payments.create_index([("status", ASCENDING), ("created_at", ASCENDING)])
    db.payments.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
    db.payments.create_index([("user_id", ASCENDING), ("updated_at", ASCENDING)])


def charge_key(payment):
    """What a payment may hold money for once: its change, or else its order."""
    return f"change:{payment['change_id']}" if payment.get("change_id") else payment["order_id"]


def stamp(moment):
    """A time as the store keeps ``updated_at`` and claims: ISO 8601 UTC of fixed width,
    so string order is time order. Strings, because the local stand-in (nx-27017)
    turns a datetime written by ``$set`` into a string of its own (docs/booking.md)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _now():
    return stamp(datetime.now(UTC))


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
        """The order's payment that holds (or may hold) money: pending, succeeded,
        refunding or refunded; None if there is none."""
        return self.db.payments.find_one({"charge_key": order_id})

    def for_change(self, change_id):
        """The latest attempt to pay the change ``change_id``; None if there was none."""
        found = list(self.db.payments.find({"change_id": change_id}).sort("_id", ASCENDING))
        return found[-1] if found else None

    def for_order(self, order_id):
        """Every attempt to pay the order, oldest first."""
        return list(self.db.payments.find({"order_id": order_id}).sort("_id", ASCENDING))

    def declines_for_order(self, order_id):
        """How many payments of the order the processor declined (a failure it never
        received is no decline; a pending payment is none yet)."""
        return len(list(self.db.payments.find(
            {"order_id": order_id, "status": FAILED, "decline_reason": {"$ne": NEVER_RECEIVED}}, {"_id": 1})))

    def declines_of_user_since(self, user_id, since):
        """When each payment of the user declined at or after ``since`` was declined, oldest first."""
        found = self.db.payments.find(
            {"user_id": user_id, "updated_at": {"$gte": stamp(since)}, "status": FAILED,
             "decline_reason": {"$ne": NEVER_RECEIVED}}, {"updated_at": 1})
        return sorted(datetime.fromisoformat(payment["updated_at"]) for payment in found)

    def unannounced_captures(self, created_before, limit=100):
        """Captured payments whose ``payment_succeeded`` may never have left (a crash in between)."""
        return list(self.db.payments.find(
            {"status": SUCCEEDED, "announced": {"$exists": False}, "created_at": {"$lt": created_before}},
        ).limit(limit))

    def stale_pending(self, created_before, limit=100):
        """Payments still waiting for the processor's answer long after they began."""
        return list(self.db.payments.find({"status": PENDING, "created_at": {"$lt": created_before}}).limit(limit))

    def stale_refunding(self, updated_before, limit=100):
        """Refunds recorded but not known to be done since before ``updated_before``."""
        return list(self.db.payments.find(
            {"status": REFUNDING, "updated_at": {"$lt": stamp(updated_before)}}).limit(limit))

    def unannounced_refunds(self, updated_before, limit=100):
        """Refunded payments whose ``payment_refunded`` may never have left."""
        return list(self.db.payments.find(
            {"status": REFUNDED, "refund_announced": {"$exists": False},
             "updated_at": {"$lt": stamp(updated_before)}},
        ).limit(limit))

    def audit_page(self, after, limit):
        """Up to ``limit`` payments in id order, from the one after ``after`` (None: the first)."""
        query = {"_id": {"$gt": after}} if after is not None else {}
        return list(self.db.payments.find(query).sort("_id", ASCENDING).limit(limit))

    # -- writing ---------------------------------------------------------------------

    def insert_pending(self, payment):
        """Raises OrderAlreadyCharged if the order (the change, for a change's payment) already
        has a pending or captured payment."""
        try:
            self.db.payments.insert_one(dict(payment, status=PENDING, charge_key=charge_key(payment),
                                             updated_at=stamp(payment["created_at"])))
        except DuplicateKeyError:
            raise OrderAlreadyCharged(payment["order_id"])
        return self.find(payment["_id"])

    def discard_pending(self, payment_id):
        """Remove a pending payment that was never sent to the processor, freeing its
        order's charge key; False if it is no longer pending."""
        return self.db.payments.delete_one({"_id": payment_id, "status": PENDING}).deleted_count == 1

    def _move(self, payment_id, source, values, unset=None):
        update = {"$set": dict(values, updated_at=_now())}
        if unset:
            update["$unset"] = {field: "" for field in unset}
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": source}, update, return_document=ReturnDocument.AFTER)

    def mark_succeeded(self, payment_id, processor_reference):
        """PENDING → SUCCEEDED; None if it was not PENDING (the sweep settled it first)."""
        return self._move(payment_id, PENDING, {"status": SUCCEEDED, "processor_reference": processor_reference})

    def mark_failed(self, payment_id, reason):
        """PENDING → FAILED, and the order may be charged again; None if it was not PENDING.
        Only for a definite answer: the processor declined, or its books show it never
        received the charge."""
        return self._move(payment_id, PENDING, {"status": FAILED, "decline_reason": reason}, unset=("charge_key",))

    def mark_refunding(self, payment_id, refund):
        """SUCCEEDED → REFUNDING with ``refund`` (its id is the processor's idempotency
        key), exactly once; None if it was not SUCCEEDED."""
        return self._move(payment_id, SUCCEEDED, {"status": REFUNDING, "refund": refund})

    def mark_refunded(self, payment_id, refund_id):
        """REFUNDING → REFUNDED once the processor has given the money back; None if it
        was not REFUNDING with that refund."""
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": REFUNDING, "refund.id": refund_id},
            {"$set": {"status": REFUNDED, "updated_at": _now()}}, return_document=ReturnDocument.AFTER,
        )

    def add_partial_refund(self, payment_id, change_id, refund):
        """Record a change's residual refund ``refund`` on a SUCCEEDED payment, once per
        change (``partial_refunds.<change id>``), before the processor is asked; the payment
        afterwards, or None if it is not SUCCEEDED or that change has one already."""
        field = f"partial_refunds.{change_id}"
        return self.db.payments.find_one_and_update(
            {"_id": payment_id, "status": SUCCEEDED, field: {"$exists": False}},
            {"$set": {field: refund, "updated_at": _now()}}, return_document=ReturnDocument.AFTER)

    def mark_partial_refunded(self, payment_id, change_id):
        self.db.payments.update_one({"_id": payment_id, f"partial_refunds.{change_id}": {"$exists": True}},
                                    {"$set": {f"partial_refunds.{change_id}.status": REFUNDED}})

    def mark_announced(self, payment_id):
        self.db.payments.update_one({"_id": payment_id}, {"$set": {"announced": True}})

    def mark_refund_announced(self, payment_id):
        self.db.payments.update_one({"_id": payment_id}, {"$set": {"refund_announced": True}})

    def claim(self, payment_id, task, now, until):
        """Own ``task`` on the payment until ``until``, unless another sweep owns it after
        ``now``: the payment as it is then, or None if it is taken (or gone)."""
        field = f"claims.{task}"
        # two conditional updates, not one with $or: the local stand-in applies an $or
        # beside _id to whichever document matches the $or first
        for free in ({field: {"$exists": False}}, {field: {"$lte": stamp(now)}}):
            claimed = self.db.payments.find_one_and_update(
                {"_id": payment_id, **free}, {"$set": {field: stamp(until)}}, return_document=ReturnDocument.AFTER)
            if claimed is not None:
                return claimed
        return None
