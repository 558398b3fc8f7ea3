"""Documents owned by the order service (MongoDB collections and their indexes).

``orders``: one document per booking, ``_id`` a 24-hex ObjectId string (so ids
sort by creation time and serve as the paging cursor). Its ``history`` is a map
``{status: ISO time}``: every state is entered at most once, so recording a
transition is one ``$set`` in the same conditional update that changes the status.

``idempotency_keys``: ``{user_id, key, fingerprint, order_id}``, unique on
(user_id, key): the first request with a key claims it for one order id.
"""
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from order.domain import PENDING_PAYMENT, REFUNDED, iso, sources_of, utcnow


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
    db.orders.create_index("booking_ref", unique=True)
    # (user_id, _id) would serve the listing better, but the local stand-in server
    # cannot index _id in a compound index
    db.orders.create_index("user_id")
    db.orders.create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
    db.orders.create_index([("flight_id", ASCENDING), ("status", ASCENDING)])
    db.idempotency_keys.create_index([("user_id", ASCENDING), ("key", ASCENDING)], unique=True)


def new_order_id():
    return str(ObjectId())


def find_order(db, order_id):
    return db.orders.find_one({"_id": order_id})


def insert_order(db, order):
    """Insert; raises DuplicateKeyError on a taken ``_id`` or ``booking_ref``."""
    db.orders.insert_one(order)
    return order


def transition(db, order_id, target, set_fields=None, conditions=None):
    """Move an order to ``target`` if it is in a state that allows it.

    One round trip: the filter names the allowed source states, so two racing
    transitions cannot both win. Returns the updated order, or None if the
    order is not (or no longer) in a source state.
    """
    query = {"_id": order_id, "status": {"$in": sources_of(target)}}
    query.update(conditions or {})
    update = {"status": target, f"history.{target}": iso(utcnow())}
    update.update(set_fields or {})
    return db.orders.find_one_and_update(query, {"$set": update}, return_document=ReturnDocument.AFTER)


def set_fields(db, order_id, values):
    return db.orders.find_one_and_update({"_id": order_id}, {"$set": values}, return_document=ReturnDocument.AFTER)


def remember_refunded_payment(db, order_id, payment_id, at):
    """Note a refund of a payment this order never took (written once; a replay changes nothing)."""
    field = f"refunded_payments.{payment_id}"
    db.orders.update_one(
        {"_id": order_id, "status": {"$ne": REFUNDED}, field: {"$exists": False}}, {"$set": {field: at}},
    )


def list_orders(db, user_id, limit, cursor=None):
    query = {"user_id": user_id}
    if cursor:
        query["_id"] = {"$lt": cursor}
    docs = list(db.orders.find(query).sort("_id", DESCENDING).limit(limit + 1))
    next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
    return docs[:limit], next_cursor


def expired_orders(db, now, limit):
    return list(db.orders.find({"status": PENDING_PAYMENT, "expires_at": {"$lt": now}}).limit(limit))


def orders_on_flight(db, flight_id, status):
    return list(db.orders.find({"flight_id": flight_id, "status": status}))


def claim_idempotency_key(db, user_id, key, fingerprint, order_id):
    """Claim ``key`` for ``order_id``; returns the claim that holds it (ours or an earlier one)."""
    claim = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "order_id": order_id, "created_at": utcnow()}
    try:
        db.idempotency_keys.insert_one(claim)
        return claim
    except DuplicateKeyError:
        earlier = db.idempotency_keys.find_one({"user_id": user_id, "key": key})
        return earlier or claim


def release_idempotency_key(db, user_id, key, order_id):
    """Forget a claim whose order could not be created, so the key may be used again."""
    db.idempotency_keys.delete_one({"user_id": user_id, "key": key, "order_id": order_id})
