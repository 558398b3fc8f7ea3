"""All of the order service's MongoDB access: its collections, their indexes, every query.

``orders``: one document per booking, ``_id`` a 24-hex ObjectId string (so ids
sort by creation time and serve as the paging cursor). Its ``history`` is a map
``{status: ISO time}``: every state is entered at most once, so recording a
transition is one ``$set`` in the same conditional update that changes the status.

``idempotency_keys``: ``{user_id, key, fingerprint, order_id, created_at}``, unique
on (user_id, key): the first request with a key claims it for one order id.

There is no ``models.py``: MongoDB has no schema to declare, so the shapes above and
the indexes in ``create_indexes`` are the whole of the data model. The answers'
shapes are in ``order.schemas``.

``OrderStore`` is what ``order.saga`` talks to; its methods say which state moves
they make and under which condition, so a test can stand an in-memory store with
the same methods in its place (``order/tests/fakes.py``).
"""
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from order.domain import EXPIRED, PAID, PENDING_PAYMENT, REFUNDED, iso, sources_of, utcnow


class DuplicateOrder(Exception):
    """The order id or the booking reference is taken."""


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
    db.orders.create_index("booking_ref", unique=True)
    # (user_id, _id) would serve the listing better, but the local stand-in server
    # cannot index _id in a compound index
    db.orders.create_index("user_id")
    db.orders.create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
    db.orders.create_index([("flight_id", ASCENDING), ("status", ASCENDING)])
    db.idempotency_keys.create_index([("user_id", ASCENDING), ("key", ASCENDING)], unique=True)


class OrderStore:
    def __init__(self, db):
        self.db = db

    @staticmethod
    def new_order_id():
        return str(ObjectId())

    # -- reading ---------------------------------------------------------------------

    def find(self, order_id):
        return self.db.orders.find_one({"_id": order_id})

    def list_for_user(self, user_id, limit, cursor=None):
        """The user's orders, newest first, and the cursor of the next page (None if none)."""
        query = {"user_id": user_id}
        if cursor:
            query["_id"] = {"$lt": cursor}
        docs = list(self.db.orders.find(query).sort("_id", DESCENDING).limit(limit + 1))
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return docs[:limit], next_cursor

    def overdue(self, now, limit):
        """Orders still waiting for payment whose ``expires_at`` is before ``now``."""
        return list(self.db.orders.find({"status": PENDING_PAYMENT, "expires_at": {"$lt": now}}).limit(limit))

    def on_flight(self, flight_id, status):
        return list(self.db.orders.find({"flight_id": flight_id, "status": status}))

    # -- writing ---------------------------------------------------------------------

    def insert(self, order):
        """Insert; raises DuplicateOrder on a taken ``_id`` or ``booking_ref``."""
        try:
            self.db.orders.insert_one(order)
        except DuplicateKeyError:
            raise DuplicateOrder(order["_id"])
        return order

    def transition(self, order_id, target, set_fields=None):
        """Move an order to ``target`` (setting ``set_fields``) if it is in a state that allows it.

        One round trip: the filter names the allowed source states, so two racing
        transitions cannot both win. Returns the updated order, or None if the
        order is not (or no longer) in a source state.
        """
        return self._transition(order_id, target, set_fields)

    def _transition(self, order_id, target, set_fields=None, conditions=None):
        query = {"_id": order_id, "status": {"$in": sources_of(target)}}
        query.update(conditions or {})
        update = {"status": target, f"history.{target}": iso(utcnow())}
        update.update(set_fields or {})
        return self.db.orders.find_one_and_update(query, {"$set": update}, return_document=ReturnDocument.AFTER)

    def expire(self, order_id, now):
        """PENDING_PAYMENT → EXPIRED if ``expires_at`` is before ``now``; None otherwise."""
        return self._transition(order_id, EXPIRED, conditions={"expires_at": {"$lt": now}})

    def mark_paid(self, order_id, payment_id, amount):
        """PENDING_PAYMENT → PAID by ``payment_id`` if it paid the order's amount and was not
        refunded already (a refund that arrived before its payment_succeeded); None otherwise."""
        return self._transition(order_id, PAID, {"payment_id": payment_id}, conditions={
            "amount": amount, f"refunded_payments.{payment_id}": {"$exists": False},
        })

    def mark_refunded(self, order_id, payment_id, refund):
        """PAID or TICKETED → REFUNDED if ``payment_id`` is the payment that paid it; None otherwise."""
        return self._transition(order_id, REFUNDED, {"refund": refund}, conditions={"payment_id": payment_id})

    def set_fields(self, order_id, values):
        return self.db.orders.find_one_and_update(
            {"_id": order_id}, {"$set": values}, return_document=ReturnDocument.AFTER,
        )

    def remember_refunded_payment(self, order_id, payment_id, at):
        """Note a refund of a payment this order never took (written once; a replay changes nothing)."""
        field = f"refunded_payments.{payment_id}"
        self.db.orders.update_one(
            {"_id": order_id, "status": {"$ne": REFUNDED}, field: {"$exists": False}}, {"$set": {field: at}},
        )

    # -- idempotency keys --------------------------------------------------------------

    def claim_idempotency_key(self, user_id, key, fingerprint, order_id):
        """Claim ``key`` for ``order_id``; returns the claim that holds it (ours or an earlier one)."""
        claim = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "order_id": order_id,
                 "created_at": utcnow()}
        try:
            self.db.idempotency_keys.insert_one(claim)
            return claim
        except DuplicateKeyError:
            earlier = self.db.idempotency_keys.find_one({"user_id": user_id, "key": key})
            return earlier or claim

    def release_idempotency_key(self, user_id, key, order_id):
        """Forget a claim whose order could not be created, so the key may be used again."""
        self.db.idempotency_keys.delete_one({"user_id": user_id, "key": key, "order_id": order_id})
