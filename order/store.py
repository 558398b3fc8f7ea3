"""All of the order service's MongoDB access: its collections, their indexes, every query.

``orders``: one document per booking, ``_id`` a 24-hex ObjectId string (so ids
sort by creation time and serve as the paging cursor). Its ``history`` is a map
``{status: ISO time}``: every state is entered at most once, so recording a
transition is one ``$set`` in the same conditional update that changes the status.

Each order also carries its own outbox: ``outbox`` is a map ``{event id: {type,
payload, at}}`` of the events decided with a change and not yet published, written in
the same ``find_one_and_update`` as the change (a map set with ``$set``, as the local
MongoDB stand-in mangles ``$push`` of sub-documents), with ``outbox_pending`` (how many)
and ``outbox_at`` (epoch milliseconds of the latest, or of the relay's claim) for the
relay's query. ``updated_at`` is the ISO time of the order's latest change.

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

from order.domain import (
    DISRUPTABLE_STATES,
    EXPIRED,
    PAID,
    PENDING_PAYMENT,
    REFUNDED,
    epoch_millis,
    iso,
    sources_of,
    utcnow,
)


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
    db.orders.create_index([("outbox_pending", ASCENDING), ("outbox_at", ASCENDING)])
    db.idempotency_keys.create_index([("user_id", ASCENDING), ("key", ASCENDING)], unique=True)
    db.order_changes.create_index([("status", ASCENDING), ("claimed_ms", ASCENDING)])


def outbox_update(update, events, now):
    """Add ``events`` to the order's outbox in ``update`` (a ``{"$set": …}`` being built)."""
    if not events:
        return update
    for event in events:
        update["$set"][f"outbox.{event['id']}"] = {"type": event["type"], "payload": event["payload"],
                                                   "at": iso(now)}
    update["$set"]["outbox_at"] = epoch_millis(now)
    update.setdefault("$inc", {})["outbox_pending"] = len(events)
    return update


def with_outbox(order, events, now):
    """A new order document carrying ``events`` in its outbox."""
    order = dict(order, outbox={}, outbox_pending=len(events), outbox_at=epoch_millis(now), updated_at=iso(now))
    for event in events:
        order["outbox"][event["id"]] = {"type": event["type"], "payload": event["payload"], "at": iso(now)}
    return order


class OrderStore:
    def __init__(self, db):
        self.db = db

    @staticmethod
    def new_order_id():
        return str(ObjectId())

    # -- reading ---------------------------------------------------------------------

    def find(self, order_id):
        return self.db.orders.find_one({"_id": order_id})

    def find_by_booking_ref(self, booking_ref):
        return self.db.orders.find_one({"booking_ref": booking_ref})

    def search(self, field, value, limit, cursor=None):
        """Orders of a customer (``field`` ``user_id``) or on a flight (``flight_id``: any
        segment), newest first, and the cursor of the next page (None if none)."""
        query = {"user_id": value} if field == "user_id" else {"$or": [{"flight_id": value}, {"flight_ids": value}]}
        if cursor:
            query["_id"] = {"$lt": cursor}
        docs = list(self.db.orders.find(query).sort("_id", DESCENDING).limit(limit + 1))
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return docs[:limit], next_cursor

    def list_for_user(self, user_id, limit, cursor=None):
        """The user's orders, newest first, and the cursor of the next page (None if none)."""
        query = {"user_id": user_id}
        if cursor:
            query["_id"] = {"$lt": cursor}
        docs = list(self.db.orders.find(query).sort("_id", DESCENDING).limit(limit + 1))
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return docs[:limit], next_cursor

    def audit_page(self, after, limit):
        """Every order, oldest first, after the id ``after`` (None: from the start); and
        the cursor of the next page (None if none)."""
        query = {"_id": {"$gt": after}} if after else {}
        docs = list(self.db.orders.find(query).sort("_id", ASCENDING).limit(limit + 1))
        next_cursor = docs[limit - 1]["_id"] if len(docs) > limit else None
        return docs[:limit], next_cursor

    def unpaid_of_user(self, user_id, now):
        """The user's orders still waiting for payment and not yet past ``expires_at``."""
        return list(self.db.orders.find({"user_id": user_id, "status": PENDING_PAYMENT, "expires_at": {"$gte": now}}))

    def overdue(self, now, limit):
        """Orders still waiting for payment whose ``expires_at`` is before ``now``."""
        return list(self.db.orders.find({"status": PENDING_PAYMENT, "expires_at": {"$lt": now}}).limit(limit))

    def on_flight(self, flight_id, status=None):
        """Orders with a segment on the flight (in ``status`` if given). ``flight_ids`` has
        no index: the local stand-in answers nothing through an index on an array field;
        the ``status`` index narrows the scan."""
        query = {"$or": [{"flight_id": flight_id}, {"flight_ids": flight_id}]}
        if status is not None:
            query["status"] = status
        return list(self.db.orders.find(query))

    # -- writing ---------------------------------------------------------------------

    def insert(self, order, events=()):
        """Insert, with ``events`` in its outbox; raises DuplicateOrder on a taken ``_id``
        or ``booking_ref``. Returns the order as stored."""
        stored = with_outbox(order, events, utcnow())
        try:
            self.db.orders.insert_one(stored)
        except DuplicateKeyError:
            raise DuplicateOrder(order["_id"])
        return stored

    def transition(self, order_id, target, set_fields=None, events=()):
        """Move an order to ``target`` (setting ``set_fields``, adding ``events`` to its
        outbox) if it is in a state that allows it.

        One round trip: the filter names the allowed source states, so two racing
        transitions cannot both win. Returns the updated order, or None if the
        order is not (or no longer) in a source state.
        """
        return self._transition(order_id, target, set_fields, events=events)

    def _transition(self, order_id, target, set_fields=None, conditions=None, events=()):
        query = {"_id": order_id, "status": {"$in": sources_of(target)}}
        query.update(conditions or {})
        now = utcnow()
        update = {"status": target, f"history.{target}": iso(now), "updated_at": iso(now)}
        update.update(set_fields or {})
        return self.db.orders.find_one_and_update(query, outbox_update({"$set": update}, events, now),
                                                  return_document=ReturnDocument.AFTER)

    def expire(self, order_id, now, events=()):
        """PENDING_PAYMENT → EXPIRED if ``expires_at`` is before ``now``; None otherwise."""
        return self._transition(order_id, EXPIRED, conditions={"expires_at": {"$lt": now}}, events=events)

    def mark_paid(self, order_id, payment_id, amount, events=()):
        """PENDING_PAYMENT → PAID by ``payment_id`` if it paid the order's amount and was not
        refunded already (a refund that arrived before its payment_succeeded); None otherwise."""
        return self._transition(order_id, PAID, {"payment_id": payment_id}, conditions={
            "amount": amount, f"refunded_payments.{payment_id}": {"$exists": False},
        }, events=events)

    def mark_refunded(self, order_id, payment_id, refund):
        """PAID or TICKETED → REFUNDED if ``payment_id`` is the payment that paid it; None otherwise."""
        return self._transition(order_id, REFUNDED, {"refund": refund}, conditions={"payment_id": payment_id})

    def add_events(self, order_id, events, status=None, set_fields=None, unless=()):
        """Add ``events`` to the order's outbox (and set ``set_fields``, a change of the order
        that moves ``updated_at``), if it is in ``status`` (any status if None) and has none of
        the fields ``unless``. Returns the updated order, or None."""
        query = {"_id": order_id, **{field: {"$exists": False} for field in unless}}
        if status is not None:
            query["status"] = status
        now = utcnow()
        update = {"$set": dict(set_fields, updated_at=iso(now)) if set_fields else {}}
        return self.db.orders.find_one_and_update(query, outbox_update(update, events, now),
                                                  return_document=ReturnDocument.AFTER)

    def release_ended_change(self, order_id, change_id):
        """Clear the order's ``changing`` mark if that change is no longer being confirmed (a
        crash between its end and clearing the mark); False while it is."""
        change = self.db.order_changes.find_one({"_id": change_id}, {"status": 1})
        if change is not None and change["status"] == "CONFIRMING":
            return False
        self.db.orders.update_one({"_id": order_id, "changing": change_id}, {"$unset": {"changing": ""}})
        return True

    def add_disruption(self, order_id, key, record, events, set_fields=None):
        """Mark the order disrupted (``disruption``: the latest, ``disruptions.<key>``: every
        one) with ``events`` in its outbox, once per ``key`` and only while it is not closed
        (``domain.DISRUPTABLE_STATES``). Returns the updated order, or None (a replay, or closed)."""
        now = utcnow()
        update = {"$set": dict(set_fields or {}, disruption=record, updated_at=iso(now),
                               **{f"disruptions.{key}": record})}
        return self.db.orders.find_one_and_update(
            {"_id": order_id, "status": {"$in": list(DISRUPTABLE_STATES)}, f"disruptions.{key}": {"$exists": False},
             "cancellation_requested_at": {"$exists": False}},
            outbox_update(update, events, now), return_document=ReturnDocument.AFTER)

    def replace_seats(self, order_id, updated_at, passengers, tickets):
        """The passengers' and tickets' seats rewritten, if the order has not changed since
        ``updated_at``; False if it has (read it again and retry)."""
        result = self.db.orders.update_one(
            {"_id": order_id, "updated_at": updated_at},
            {"$set": {"passengers": passengers, "tickets": tickets, "updated_at": iso(utcnow())}})
        return result.modified_count == 1

    def clear_event(self, order_id, event_id):
        """Forget a published event; False if it was gone already (published by another worker)."""
        field = f"outbox.{event_id}"
        result = self.db.orders.update_one(
            {"_id": order_id, field: {"$exists": True}}, {"$unset": {field: ""}, "$inc": {"outbox_pending": -1}},
        )
        return result.modified_count == 1

    def claim_unpublished(self, written_before, now):
        """One order with events written before ``written_before`` (epoch ms) and not
        published, claimed for the relay: its ``outbox_at`` moves to ``now``, so no other
        relay takes it until it is as old again. None if there is none."""
        return self.db.orders.find_one_and_update(
            {"outbox_pending": {"$gt": 0}, "outbox_at": {"$lt": written_before}},
            {"$set": {"outbox_at": now}}, return_document=ReturnDocument.AFTER,
        )

    def remember_refunded_payment(self, order_id, payment_id, at):
        """Note a refund of a payment this order never took (written once; a replay changes nothing)."""
        field = f"refunded_payments.{payment_id}"
        self.db.orders.update_one(
            {"_id": order_id, "status": {"$ne": REFUNDED}, field: {"$exists": False}},
            {"$set": {field: at, "updated_at": at}},
        )

    # -- idempotency keys --------------------------------------------------------------

    def claim_idempotency_key(self, user_id, key, fingerprint, order_id, expired_before=None):
        """Claim ``key`` for ``order_id``; returns the claim that holds it (ours or an earlier
        one). An earlier claim made before ``expired_before`` (epoch ms) has expired: it is
        replaced, and the key starts afresh."""
        claim = {"user_id": user_id, "key": key, "fingerprint": fingerprint, "order_id": order_id,
                 "created_at": utcnow(), "claimed_ms": epoch_millis(utcnow())}
        for _ in range(2):
            try:
                self.db.idempotency_keys.insert_one(dict(claim))
                return claim
            except DuplicateKeyError:
                earlier = self.db.idempotency_keys.find_one({"user_id": user_id, "key": key})
                if earlier is None:
                    continue  # released meanwhile: claim it
                if expired_before is None or earlier.get("claimed_ms", expired_before) >= expired_before:
                    return earlier
                # only the claim we read is removed: a fresh one made meanwhile stays
                self.db.idempotency_keys.delete_one(
                    {"user_id": user_id, "key": key, "claimed_ms": earlier["claimed_ms"]})
        return self.db.idempotency_keys.find_one({"user_id": user_id, "key": key}) or claim

    def release_idempotency_key(self, user_id, key, order_id):
        """Forget a claim whose order could not be created, so the key may be used again."""
        self.db.idempotency_keys.delete_one({"user_id": user_id, "key": key, "order_id": order_id})


class ChangeStore:
    """Voluntary changes (``order.changes``), in ``order_changes``: one document per quote,
    ``_id`` the change id, ``status`` QUOTED → CONFIRMING → CONFIRMED (or FAILED, EXPIRED),
    ``expires_at_ms`` (epoch milliseconds) when an unconfirmed quote lapses, ``claimed_ms``
    when a confirmation last took it (the resume timer's clock), ``payment_id`` once what was
    due is captured, ``refusal`` once ticket refused the exchange (before the payment goes
    back). On the order, a confirmed change is the map ``changes`` ``{change id: record}``
    (a map, as for the outbox)."""

    def __init__(self, db):
        self.db = db

    @staticmethod
    def new_change_id():
        return str(ObjectId())

    def insert(self, change):
        self.db.order_changes.insert_one(change)
        return change

    def find(self, change_id):
        return self.db.order_changes.find_one({"_id": change_id})

    def claim(self, change_id, now_ms):
        """QUOTED (not lapsed) or CONFIRMING → CONFIRMING, stamped ``now_ms``; None otherwise."""
        # two plain conditions, not one ``$or``: the local MongoDB stand-in's find_one_and_update
        # with ``{_id, $or: [...]}`` ignores the ``_id`` and updates another document that matches the ``$or``
        for condition in ({"status": "QUOTED", "expires_at_ms": {"$gt": now_ms}}, {"status": "CONFIRMING"}):
            claimed = self.db.order_changes.find_one_and_update(
                dict(condition, _id=change_id), {"$set": {"status": "CONFIRMING", "claimed_ms": now_ms}},
                return_document=ReturnDocument.AFTER)
            if claimed is not None:
                return claimed
        return None

    def finish(self, change_id, status, fields):
        """CONFIRMING → ``status`` with ``fields``; the change as it is afterwards."""
        self.db.order_changes.update_one({"_id": change_id, "status": "CONFIRMING"},
                                         {"$set": dict(fields, status=status, updated_at=iso(utcnow()))})
        return self.find(change_id)

    def note(self, change_id, fields):
        """Set ``fields`` on a change still CONFIRMING (what its confirmation has done so far);
        the change afterwards, or None if it is not CONFIRMING."""
        return self.db.order_changes.find_one_and_update(
            {"_id": change_id, "status": "CONFIRMING"}, {"$set": fields}, return_document=ReturnDocument.AFTER)

    def fail_unpaid(self, change_id, error):
        """CONFIRMING with no payment noted → FAILED with ``error`` (nothing was charged)."""
        self.db.order_changes.update_one(
            {"_id": change_id, "status": "CONFIRMING", "payment_id": {"$exists": False}},
            {"$set": {"status": "FAILED", "error": error, "updated_at": iso(utcnow())}})

    def expire(self, change_id, now_ms):
        self.db.order_changes.update_one({"_id": change_id, "status": "QUOTED", "expires_at_ms": {"$lte": now_ms}},
                                         {"$set": {"status": "EXPIRED"}})
        return self.find(change_id)

    def stuck(self, claimed_before_ms, limit=50):
        """Confirmations left half way (a crash, a timeout) for the resume timer."""
        return list(self.db.order_changes.find({"status": "CONFIRMING", "claimed_ms": {"$lt": claimed_before_ms}})
                    .limit(limit))

    def begin_on_order(self, order_id, change_id):
        """Mark the TICKETED order ``changing`` by ``change_id`` unless its cancellation was
        asked or another change is under way (a cancellation waits for it: money of a change
        is never captured after a cancellation split the order's refund). The order, or None."""
        for free in ({"changing": {"$exists": False}}, {"changing": change_id}):
            order = self.db.orders.find_one_and_update(
                {"_id": order_id, "status": "TICKETED", "cancellation_requested_at": {"$exists": False}, **free},
                {"$set": {"changing": change_id}}, return_document=ReturnDocument.AFTER)
            if order is not None:
                return order
        return None

    def end_on_order(self, order_id, change_id):
        """The order no longer ``changing`` by ``change_id`` (the change failed)."""
        self.db.orders.update_one({"_id": order_id, "changing": change_id}, {"$unset": {"changing": ""}})

    def record_on_order(self, order, change_id, set_fields, events, unset_fields=()):
        """Write a done change on the order (``set_fields`` and ``changes.<id>``, removing
        ``unset_fields``) with ``events`` in its outbox, if the order is still as read
        (``updated_at``) and the change not yet recorded. Returns the updated order, or None
        (moved meanwhile, or recorded already)."""
        now = utcnow()
        query = {"_id": order["_id"], "updated_at": order.get("updated_at"), f"changes.{change_id}": {"$exists": False}}
        update = {"$set": dict(set_fields, updated_at=iso(now))}
        if unset_fields:
            update["$unset"] = dict.fromkeys(unset_fields, "")
        return self.db.orders.find_one_and_update(query, outbox_update(update, events, now),
                                                  return_document=ReturnDocument.AFTER)
