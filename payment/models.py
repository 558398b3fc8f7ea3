"""Documents owned by the payment service (MongoDB collections and their indexes).

``payments``: one document per attempt to pay an order. Only the card's brand,
last four digits and holder are stored, never the number or the CVC.

``charge_key`` (= the order id) is set on a payment while it is pending or has
captured money, and removed when it fails; a sparse unique index on it makes a
second charge of the same order impossible, whatever the concurrency: the
payment is inserted *before* the processor is called.
"""
from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument

from payment.domain import FAILED, PENDING, REFUNDED, SUCCEEDED


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
    db.payments.create_index("charge_key", unique=True, sparse=True)
    db.payments.create_index([("order_id", ASCENDING)])
    db.payments.create_index([("status", ASCENDING), ("created_at", ASCENDING)])


def new_id():
    return str(ObjectId())


def insert_pending(db, payment):
    """Raises DuplicateKeyError if the order already has a pending or captured payment."""
    db.payments.insert_one(dict(payment, status=PENDING, charge_key=payment["order_id"]))
    return db.payments.find_one({"_id": payment["_id"]})


def mark_succeeded(db, payment_id, processor_reference):
    return db.payments.find_one_and_update(
        {"_id": payment_id, "status": PENDING},
        {"$set": {"status": SUCCEEDED, "processor_reference": processor_reference}},
        return_document=ReturnDocument.AFTER,
    )


def mark_failed(db, payment_id, reason):
    return db.payments.find_one_and_update(
        {"_id": payment_id, "status": PENDING},
        {"$set": {"status": FAILED, "decline_reason": reason}, "$unset": {"charge_key": ""}},
        return_document=ReturnDocument.AFTER,
    )


def mark_refunded(db, payment_id, refund):
    """SUCCEEDED → REFUNDED exactly once; None if it was not SUCCEEDED."""
    return db.payments.find_one_and_update(
        {"_id": payment_id, "status": SUCCEEDED},
        {"$set": {"status": REFUNDED, "refund": refund}},
        return_document=ReturnDocument.AFTER,
    )


def mark_announced(db, payment_id):
    db.payments.update_one({"_id": payment_id}, {"$set": {"announced": True}})


def unannounced_captures(db, created_before, limit=100):
    """Captured payments whose ``payment_succeeded`` may never have left (a crash in between)."""
    return list(db.payments.find(
        {"status": SUCCEEDED, "announced": {"$exists": False}, "created_at": {"$lt": created_before}},
    ).limit(limit))


def stale_pending(db, created_before, limit=100):
    """Payments still waiting for the processor's answer long after they began."""
    return list(db.payments.find({"status": PENDING, "created_at": {"$lt": created_before}}).limit(limit))


def find_payment(db, payment_id):
    return db.payments.find_one({"_id": payment_id})


def captured_payment_for_order(db, order_id):
    """The order's payment that holds money (pending, succeeded or refunded), if any."""
    return db.payments.find_one({"charge_key": order_id})


def payments_for_order(db, order_id):
    return list(db.payments.find({"order_id": order_id}).sort("_id", ASCENDING))
