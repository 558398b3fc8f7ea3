"""``PaymentStore`` (MongoDB) and ``FakePaymentStore`` (memory) answer alike: the same
checks run on both, so the ledger's unit tests stand on a fake that behaves as the real store."""
from datetime import UTC, datetime, timedelta

import pytest

from payment.domain import FAILED, NEVER_RECEIVED, PENDING, REFUNDED, REFUNDING, SUCCEEDED
from payment.store import OrderAlreadyCharged, PaymentStore, create_indexes, stamp
from payment.tests.fakes import FakePaymentStore
from tests.helpers.fakes import assert_same_interface, store_under_contract


def test_the_fake_has_the_methods_of_the_store():
    assert_same_interface(FakePaymentStore, PaymentStore)


@pytest.fixture(params=["mongo", "memory"])
def store(request):
    yield from store_under_contract(request, PaymentStore, FakePaymentStore, create_indexes)


def a_payment(store, order_id="order-1", age=timedelta(0)):
    created_at = datetime.now(UTC).replace(microsecond=0) - age
    return store.insert_pending({"_id": store.new_id(), "order_id": order_id, "user_id": "u1", "amount": 1000,
                                 "currency": "IDR", "created_at": created_at})


def test_a_pending_payment_holds_its_order_until_it_fails(store):
    payment = a_payment(store)

    assert payment["status"] == PENDING and store.captured_for_order("order-1")["_id"] == payment["_id"]
    with pytest.raises(OrderAlreadyCharged):
        a_payment(store)
    failed = store.mark_failed(payment["_id"], "card_declined")
    assert failed["status"] == FAILED and "charge_key" not in failed
    assert store.captured_for_order("order-1") is None
    assert a_payment(store)["status"] == PENDING


def test_a_payment_succeeds_or_fails_once(store):
    payment = a_payment(store)

    succeeded = store.mark_succeeded(payment["_id"], "ch_1")
    assert succeeded["status"] == SUCCEEDED and succeeded["processor_reference"] == "ch_1"
    assert store.mark_failed(payment["_id"], "abandoned") is None
    assert store.mark_succeeded(payment["_id"], "ch_2") is None
    assert store.captured_for_order("order-1")["_id"] == payment["_id"]


def test_a_payment_is_refunded_once_and_only_once_captured(store):
    payment = a_payment(store)

    assert store.mark_refunding(payment["_id"], {"id": "re_1"}) is None
    store.mark_succeeded(payment["_id"], "ch_1")
    assert store.mark_refunded(payment["_id"], "re_1") is None  # never recorded as refunding
    refunding = store.mark_refunding(payment["_id"], {"id": "re_1", "amount": 1000})
    assert refunding["status"] == REFUNDING and refunding["refund"] == {"id": "re_1", "amount": 1000}
    assert store.mark_refunding(payment["_id"], {"id": "re_2"}) is None
    assert store.mark_refunded(payment["_id"], "re_2") is None  # not the refund recorded
    refunded = store.mark_refunded(payment["_id"], "re_1")
    assert refunded["status"] == REFUNDED and refunded["refund"] == {"id": "re_1", "amount": 1000}
    assert store.mark_refunded(payment["_id"], "re_1") is None
    assert store.mark_refunding(payment["_id"], {"id": "re_2"}) is None
    assert store.find(payment["_id"])["refund"]["id"] == "re_1"
    assert store.captured_for_order("order-1")["_id"] == payment["_id"]


def test_every_move_is_stamped_with_updated_at(store):
    payment = a_payment(store, age=timedelta(minutes=5))
    assert payment["updated_at"] == stamp(payment["created_at"])

    moved = store.mark_succeeded(payment["_id"], "ch_1")

    assert stamp(datetime.now(UTC) - timedelta(minutes=1)) < moved["updated_at"] <= stamp(datetime.now(UTC))


def test_refunds_left_refunding_or_unannounced_are_found_by_the_sweep(store):
    refunding = a_payment(store, "o1")
    store.mark_succeeded(refunding["_id"], "ch_1")
    store.mark_refunding(refunding["_id"], {"id": "re_1", "amount": 1000})
    refunded = a_payment(store, "o2")
    store.mark_succeeded(refunded["_id"], "ch_2")
    store.mark_refunding(refunded["_id"], {"id": "re_2", "amount": 1000})
    store.mark_refunded(refunded["_id"], "re_2")
    announced = a_payment(store, "o3")
    store.mark_succeeded(announced["_id"], "ch_3")
    store.mark_refunding(announced["_id"], {"id": "re_3", "amount": 1000})
    store.mark_refunded(announced["_id"], "re_3")
    store.mark_refund_announced(announced["_id"])
    later, earlier = datetime.now(UTC) + timedelta(minutes=1), datetime.now(UTC) - timedelta(minutes=1)

    assert [p["_id"] for p in store.stale_refunding(later)] == [refunding["_id"]]
    assert [p["_id"] for p in store.unannounced_refunds(later)] == [refunded["_id"]]
    assert store.stale_refunding(earlier) == [] and store.unannounced_refunds(earlier) == []


def test_a_task_on_a_payment_is_claimed_by_one_sweep_until_its_claim_ends(store):
    other = a_payment(store, "order-0")
    payment = a_payment(store)
    now = datetime.now(UTC).replace(microsecond=0)
    until = now + timedelta(seconds=30)
    other_claim = store.claim(other["_id"], "settle", now - timedelta(minutes=2), now - timedelta(minutes=1))

    claimed = store.claim(payment["_id"], "settle", now, until)
    assert claimed["_id"] == payment["_id"] and claimed["status"] == PENDING
    assert store.claim(payment["_id"], "settle", now, until) is None  # the other replica
    assert store.claim(payment["_id"], "announce", now, until) is not None  # another task is free
    assert store.claim(payment["_id"], "settle", until, until + timedelta(seconds=30)) is not None  # ended
    assert store.claim(store.new_id(), "settle", now, until) is None
    assert store.find(other["_id"])["claims"] == other_claim["claims"]  # only the payment named is claimed


def test_the_audit_pages_every_payment_in_id_order(store):
    ids = sorted(a_payment(store, f"order-{n}")["_id"] for n in range(5))

    first = store.audit_page(None, 2)
    second = store.audit_page(first[-1]["_id"], 2)
    last = store.audit_page(second[-1]["_id"], 2)

    assert [p["_id"] for p in first + second + last] == ids
    assert store.audit_page(ids[-1], 2) == []


def test_the_sweeps_find_only_what_is_older_than_the_cutoff(store):
    old_pending = a_payment(store, "o1", age=timedelta(minutes=5))
    a_payment(store, "o2")
    old_capture = a_payment(store, "o3", age=timedelta(minutes=5))
    store.mark_succeeded(old_capture["_id"], "ch_3")
    announced = a_payment(store, "o4", age=timedelta(minutes=5))
    store.mark_succeeded(announced["_id"], "ch_4")
    store.mark_announced(announced["_id"])
    cutoff = datetime.now(UTC) - timedelta(minutes=1)

    assert [p["_id"] for p in store.stale_pending(cutoff)] == [old_pending["_id"]]
    assert [p["_id"] for p in store.unannounced_captures(cutoff)] == [old_capture["_id"]]


def test_the_payments_of_an_order_oldest_first(store):
    first = a_payment(store)
    store.mark_failed(first["_id"], "card_declined")
    second = a_payment(store)
    a_payment(store, "order-2")

    assert [p["_id"] for p in store.for_order("order-1")] == [first["_id"], second["_id"]]
    assert store.find(store.new_id()) is None


def test_declines_are_failures_the_processor_answered_counted_per_order_and_per_user(store):
    before = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(2):
        store.mark_failed(a_payment(store, "order-1")["_id"], "card_declined")
    never_received = a_payment(store, "order-1")
    store.mark_failed(never_received["_id"], NEVER_RECEIVED)
    a_payment(store, "order-1")  # pending: no decline yet
    elsewhere = a_payment(store, "order-2")
    store.mark_failed(elsewhere["_id"], "card_declined")
    someone_else = store.insert_pending({"_id": store.new_id(), "order_id": "order-3", "user_id": "u2",
                                         "amount": 1, "currency": "IDR", "created_at": datetime.now(UTC)})
    store.mark_failed(someone_else["_id"], "card_declined")

    assert store.declines_for_order("order-1") == 2 and store.declines_for_order("order-2") == 1
    assert store.declines_for_order("order-9") == 0
    times = store.declines_of_user_since("u1", before)
    assert len(times) == 3 and times == sorted(times)
    assert all(before <= moment <= datetime.now(UTC) for moment in times)
    assert store.declines_of_user_since("u1", datetime.now(UTC) + timedelta(seconds=1)) == []


def test_a_pending_payment_never_sent_can_be_discarded_and_frees_its_order(store):
    payment = a_payment(store)
    assert store.discard_pending(payment["_id"]) is True
    assert store.find(payment["_id"]) is None and store.captured_for_order("order-1") is None
    assert store.discard_pending(payment["_id"]) is False
    captured = a_payment(store)
    store.mark_succeeded(captured["_id"], "ch_1")
    assert store.discard_pending(captured["_id"]) is False and store.find(captured["_id"])["status"] == SUCCEEDED


def test_a_changes_payment_has_its_own_charge_key_and_is_found_by_change(store):
    own = a_payment(store)
    charged = store.insert_pending({"_id": store.new_id(), "order_id": "order-1", "user_id": "u1", "amount": 100,
                                    "currency": "IDR", "created_at": datetime.now(UTC), "change_id": "c-1"})
    assert charged["charge_key"] == "change:c-1" and store.captured_for_order("order-1")["_id"] == own["_id"]
    with pytest.raises(OrderAlreadyCharged):
        store.insert_pending(dict(charged, _id=store.new_id()))
    assert store.for_change("c-1")["_id"] == charged["_id"] and store.for_change("c-2") is None


def test_a_residual_refund_is_recorded_once_per_change_on_a_succeeded_payment(store):
    payment = a_payment(store)
    refund = {"id": "re_r", "amount": 300, "status": REFUNDING}
    assert store.add_partial_refund(payment["_id"], "c-1", refund) is None  # not captured yet
    store.mark_succeeded(payment["_id"], "ch_1")
    recorded = store.add_partial_refund(payment["_id"], "c-1", refund)
    assert recorded["status"] == SUCCEEDED and recorded["partial_refunds"] == {"c-1": refund}
    assert store.add_partial_refund(payment["_id"], "c-1", dict(refund, id="re_s")) is None
    store.mark_partial_refunded(payment["_id"], "c-1")
    assert store.find(payment["_id"])["partial_refunds"]["c-1"]["status"] == REFUNDED
