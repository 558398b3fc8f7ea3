"""``OrderStore`` (MongoDB) and ``FakeOrderStore`` (memory) answer alike: the same checks
run on both, so the saga's unit tests stand on a fake that behaves as the real store."""
import uuid
from datetime import timedelta

import pytest

from order.domain import CANCELLED, EXPIRED, PAID, PENDING_PAYMENT, REFUNDED, TICKETED, new_event, utcnow
from order.store import DuplicateOrder, OrderStore, create_indexes
from order.tests.fakes import FakeOrderStore
from tests.helpers.fakes import assert_same_interface, store_under_contract


def test_the_fake_has_the_methods_of_the_store():
    assert_same_interface(FakeOrderStore, OrderStore)


@pytest.fixture(params=["mongo", "memory"])
def store(request):
    yield from store_under_contract(request, OrderStore, FakeOrderStore, create_indexes)


def an_order(store, status=PENDING_PAYMENT, expires_in=timedelta(minutes=15), **fields):
    now = utcnow()
    order = {
        "_id": store.new_order_id(), "user_id": "u1", "flight_id": "f1", "status": status, "amount": 1000,
        "currency": "IDR", "expires_at": now + expires_in, "passengers": [], "tickets": [],
        "history": {status: now.isoformat()}, "created_at": now, "booking_ref": uuid.uuid4().hex[:6].upper(),
    }
    order.update(fields)
    return store.insert(order)


def test_insert_then_find(store):
    order = an_order(store)

    assert store.find(order["_id"]) == order
    assert store.find(store.new_order_id()) is None


def test_find_by_booking_ref(store):
    order = an_order(store)

    assert store.find_by_booking_ref(order["booking_ref"]) == order
    assert store.find_by_booking_ref("NOSUCH") is None


def test_a_taken_id_or_booking_ref_is_refused(store):
    order = an_order(store)

    with pytest.raises(DuplicateOrder):
        an_order(store, _id=order["_id"])
    with pytest.raises(DuplicateOrder):
        an_order(store, booking_ref=order["booking_ref"])


def test_a_transition_happens_only_from_a_state_that_allows_it(store):
    order = an_order(store)

    assert store.transition(order["_id"], TICKETED, {"tickets": [1]}) is None
    cancelled = store.transition(order["_id"], CANCELLED, {"cancel_reason": "order_cancelled"})
    assert cancelled["status"] == CANCELLED and cancelled["cancel_reason"] == "order_cancelled"
    assert set(cancelled["history"]) == {PENDING_PAYMENT, CANCELLED}
    assert store.transition(order["_id"], CANCELLED) is None  # once


def test_expire_moves_only_a_past_due_order(store):
    current = an_order(store)
    overdue = an_order(store, expires_in=-timedelta(seconds=1))
    now = utcnow()

    assert [o["_id"] for o in store.overdue(now, 10)] == [overdue["_id"]]
    assert store.expire(current["_id"], now) is None
    assert store.expire(overdue["_id"], now)["status"] == EXPIRED
    assert store.overdue(now, 10) == []


def test_mark_paid_needs_the_amount_and_a_payment_not_refunded(store):
    order = an_order(store)
    other = an_order(store)

    assert store.mark_paid(order["_id"], "pay-1", 999) is None
    store.remember_refunded_payment(other["_id"], "pay-2", "2030-01-01T00:00:00+00:00")
    assert store.mark_paid(other["_id"], "pay-2", 1000) is None
    paid = store.mark_paid(order["_id"], "pay-1", 1000)
    assert paid["status"] == PAID and paid["payment_id"] == "pay-1"
    assert store.mark_paid(order["_id"], "pay-1", 1000) is None


def test_mark_refunded_needs_the_payment_that_paid(store):
    order = an_order(store)
    store.mark_paid(order["_id"], "pay-1", 1000)

    assert store.mark_refunded(order["_id"], "pay-2", {"refund_id": "re_2"}) is None
    refunded = store.mark_refunded(order["_id"], "pay-1", {"refund_id": "re_1"})
    assert refunded["status"] == REFUNDED and refunded["refund"] == {"refund_id": "re_1"}


def test_a_refunded_payment_is_remembered_once(store):
    order = an_order(store)

    store.remember_refunded_payment(order["_id"], "pay-1", "first")
    store.remember_refunded_payment(order["_id"], "pay-1", "second")

    assert store.find(order["_id"])["refunded_payments"] == {"pay-1": "first"}


def test_add_events_sets_fields_only_in_the_given_status(store):
    order = an_order(store, status=TICKETED)
    event = new_event("order_cancelled", {"order_id": order["_id"]})

    assert store.add_events(order["_id"], [event], status=PAID, set_fields={"cancellation_requested_at": "x"}) is None
    moved = store.add_events(order["_id"], [event], status=TICKETED, set_fields={"cancellation_requested_at": "now"})

    assert moved["cancellation_requested_at"] == "now"
    assert moved["outbox"][event["id"]]["payload"] == {"order_id": order["_id"]} and moved["outbox_pending"] == 1


def test_an_event_written_with_its_change_stays_until_cleared(store):
    order = an_order(store)
    paid = new_event("order_paid", {"order_id": order["_id"], "passengers": [{"name": "Ada", "seat": "1A"}]})

    moved = store.mark_paid(order["_id"], "pay-1", 1000, events=[paid])

    assert moved["status"] == PAID and moved["outbox"][paid["id"]]["type"] == "order_paid"
    assert moved["outbox"][paid["id"]]["payload"]["passengers"] == [{"name": "Ada", "seat": "1A"}]
    assert store.clear_event(order["_id"], paid["id"]) is True
    assert store.clear_event(order["_id"], paid["id"]) is False  # cleared once only
    stored = store.find(order["_id"])
    assert stored["outbox"] == {} and stored["outbox_pending"] == 0


def test_an_unpublished_event_is_claimed_by_one_relay_at_a_time(store):
    order = an_order(store)
    event = new_event("order_expired", {"order_id": order["_id"]})
    store.expire(order["_id"], utcnow() + timedelta(hours=1), events=[event])
    written = store.find(order["_id"])["outbox_at"]

    assert store.claim_unpublished(written, written + 5000) is None  # not older than the cut-off yet
    claimed = store.claim_unpublished(written + 1, written + 5000)
    assert claimed["_id"] == order["_id"] and list(claimed["outbox"]) == [event["id"]]
    assert store.claim_unpublished(written + 1, written + 5000) is None  # another relay: already taken
    store.clear_event(order["_id"], event["id"])
    assert store.claim_unpublished(written + 10_000, written + 10_000) is None  # nothing left


def test_the_audit_pages_every_order_oldest_first(store):
    ids = [an_order(store, user_id=user)["_id"] for user in ("u1", "u2", "u3")]

    page, cursor = store.audit_page(None, 2)
    rest, end = store.audit_page(cursor, 2)

    assert [o["_id"] for o in page] == ids[:2] and cursor == ids[1]
    assert [o["_id"] for o in rest] == ids[2:] and end is None


def test_the_listing_pages_newest_first(store):
    ids = [an_order(store)["_id"] for _ in range(3)]
    an_order(store, user_id="u2")

    page, cursor = store.list_for_user("u1", 2)
    rest, end = store.list_for_user("u1", 2, cursor)

    assert [o["_id"] for o in page] == ids[:0:-1] and cursor == ids[1]
    assert [o["_id"] for o in rest] == ids[:1] and end is None


def test_orders_on_a_flight_by_status(store):
    pending = an_order(store)
    an_order(store, status=PAID)
    an_order(store, flight_id="f2")

    assert [o["_id"] for o in store.on_flight("f1", PENDING_PAYMENT)] == [pending["_id"]]


def test_an_idempotency_key_is_claimed_once_and_can_be_released(store):
    first = store.claim_idempotency_key("u1", "k", "fp1", "order-1")
    again = store.claim_idempotency_key("u1", "k", "fp2", "order-2")
    other_user = store.claim_idempotency_key("u2", "k", "fp3", "order-3")

    assert (first["order_id"], again["order_id"], again["fingerprint"]) == ("order-1", "order-1", "fp1")
    assert other_user["order_id"] == "order-3"
    store.release_idempotency_key("u1", "k", "order-2")  # not its holder: nothing happens
    assert store.claim_idempotency_key("u1", "k", "fp4", "order-4")["order_id"] == "order-1"
    store.release_idempotency_key("u1", "k", "order-1")
    assert store.claim_idempotency_key("u1", "k", "fp4", "order-4")["order_id"] == "order-4"


def test_an_expired_idempotency_key_starts_afresh(store):
    first = store.claim_idempotency_key("u1", "old", "fp1", "order-1")
    # within its lifetime the first claim answers, whatever the new body
    assert store.claim_idempotency_key("u1", "old", "fp2", "order-2",
                                       expired_before=first["claimed_ms"])["order_id"] == "order-1"
    # past it, the key is claimed afresh by the new request
    renewed = store.claim_idempotency_key("u1", "old", "fp2", "order-2", expired_before=first["claimed_ms"] + 1)
    assert renewed["order_id"] == "order-2" and renewed["fingerprint"] == "fp2"
    assert store.claim_idempotency_key("u1", "old", "fp3", "order-3")["order_id"] == "order-2"
