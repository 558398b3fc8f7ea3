"""The money rules of ``payment.ledger.Ledger``, on in-memory stand-ins: no broker, no
database, no sweep to wait for."""
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput, NotFound, PaymentDeclined, ServiceUnavailable, TooManyRequests
from payment.domain import FAILED, PENDING, REFUNDED, REFUNDING, SUCCEEDED, DeclineLimits
from payment.ledger import Ledger
from payment.store import stamp
from payment.tests.fakes import FakeOrder, FakePaymentStore, FakeProcessor
from tests.helpers.fakes import Dispatcher, Services

USER = "user-1"
GOOD_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}
DECLINED_CARD = dict(GOOD_CARD, card_number="4000000000000002")
GRACE = 30
LIMITS = DeclineLimits(per_order=5, per_user=10, window_seconds=3600)


def an_order(order_id="a" * 24, status="PENDING_PAYMENT"):
    return {"id": order_id, "user_id": USER, "flight_id": "flight-1", "status": status, "amount": 250_000,
            "currency": "IDR", "expires_at": "2030-01-01T00:00:00+00:00"}


@pytest.fixture
def store():
    return FakePaymentStore()


@pytest.fixture
def processor():
    return FakeProcessor()


@pytest.fixture
def order():
    return FakeOrder()


@pytest.fixture
def dispatch():
    return Dispatcher()


@pytest.fixture
def ledger(store, order, dispatch, processor):
    return Ledger(store, Services(order=order), dispatch, processor, LIMITS)


def age(store, payment_id, by=timedelta(minutes=5)):
    """As if the payment had begun ``by`` ago."""
    store.payments[payment_id]["created_at"] -= by


# -- paying ----------------------------------------------------------------------------------

def test_paying_a_payable_order_captures_its_amount_and_announces_it(ledger, store, order, dispatch):
    placed = order.add(an_order())

    payment = ledger.pay(placed["id"], USER, GOOD_CARD)

    assert payment["status"] == SUCCEEDED and payment["amount"] == placed["amount"]
    assert payment["card"] == {"brand": "visa", "last4": "4242", "holder": "Ada Lovelace"}
    assert dispatch.of("payment_succeeded") == [{
        "payment_id": payment["id"], "order_id": placed["id"], "user_id": USER, "amount": 250_000,
        "currency": "IDR",
    }]
    assert store.find(payment["id"])["announced"] is True


def test_an_order_that_is_not_payable_is_refused_as_order_says(ledger, store, order, processor):
    placed = order.add(an_order(status="EXPIRED"), payable=False)

    with pytest.raises(Conflict) as refused:
        ledger.pay(placed["id"], USER, GOOD_CARD)

    assert refused.value.code == "ORDER_NOT_PAYABLE"
    assert refused.value.details == {"status": "EXPIRED", "expires_at": placed["expires_at"]}
    assert store.payments == {} and processor.books == {}


def test_someone_elses_order_is_not_found(ledger, order):
    placed = order.add(an_order())

    with pytest.raises(NotFound):
        ledger.pay(placed["id"], "someone-else", GOOD_CARD)


def test_bad_card_details_are_refused_before_order_is_asked(ledger, store):
    with pytest.raises(InvalidInput) as refused:
        ledger.pay("no-such-order", USER, dict(GOOD_CARD, card_number="4242424242424241"))

    assert "card_number" in refused.value.details["fields"] and store.payments == {}


def test_a_declined_card_fails_the_payment_and_the_order_can_be_paid_again(ledger, store, order, dispatch):
    placed = order.add(an_order())

    with pytest.raises(PaymentDeclined) as declined:
        ledger.pay(placed["id"], USER, DECLINED_CARD)

    failed_id = declined.value.details["payment_id"]
    assert store.find(failed_id)["status"] == FAILED and store.find(failed_id)["decline_reason"] == "card_declined"
    assert dispatch.of("payment_failed") == [
        {"payment_id": failed_id, "order_id": placed["id"], "reason": "card_declined"},
    ]
    assert ledger.pay(placed["id"], USER, GOOD_CARD)["status"] == SUCCEEDED


# -- decline limits (card testing) -------------------------------------------------------------

def decline(ledger, order_id, user=USER):
    with pytest.raises(PaymentDeclined):
        ledger.pay(order_id, user, DECLINED_CARD)


def test_an_order_declined_its_limit_takes_no_more_payments_not_even_a_good_card(ledger, store, order, processor):
    placed = order.add(an_order())
    for _ in range(LIMITS.per_order):
        decline(ledger, placed["id"])

    for card in (DECLINED_CARD, GOOD_CARD):
        with pytest.raises(Conflict) as refused:
            ledger.pay(placed["id"], USER, card)
        assert refused.value.code == "TOO_MANY_DECLINES"
        assert refused.value.details == {"order_id": placed["id"], "expires_at": placed["expires_at"]}
    # refused before the processor: nothing charged, nothing left pending
    assert len(processor.books) == LIMITS.per_order
    assert [p["status"] for p in store.for_order(placed["id"])] == [FAILED] * LIMITS.per_order
    assert store.captured_for_order(placed["id"]) is None


def test_an_order_not_yet_at_its_limit_can_still_be_paid(ledger, order):
    placed = order.add(an_order())
    for _ in range(LIMITS.per_order - 1):
        decline(ledger, placed["id"])

    assert ledger.pay(placed["id"], USER, GOOD_CARD)["status"] == SUCCEEDED


def test_unknown_outcomes_and_charges_never_received_are_no_declines(ledger, store, order, processor):
    placed = order.add(an_order())
    processor.failure = ConnectionError("acquirer unreachable")
    for _ in range(LIMITS.per_order + 1):
        with pytest.raises(ServiceUnavailable):
            ledger.pay(placed["id"], USER, GOOD_CARD)
        age(store, store.captured_for_order(placed["id"])["_id"])
        assert ledger.settle_abandoned(GRACE) == 1  # failed: the processor never received it
    processor.failure = None

    assert store.declines_for_order(placed["id"]) == 0
    assert ledger.pay(placed["id"], USER, GOOD_CARD)["status"] == SUCCEEDED


def test_a_decline_that_lands_while_a_payment_waits_is_counted_once_it_holds_the_charge_key(ledger, store, order):
    """The first check passes at limit - 1; another payment of the order is declined
    before this one takes the charge key: the second check refuses it, and leaves nothing."""
    placed = order.add(an_order())
    for _ in range(LIMITS.per_order - 1):
        decline(ledger, placed["id"])
    real_insert = store.insert_pending

    def declined_meanwhile(payment):
        store.insert_pending = real_insert
        racer = real_insert(dict(payment, _id=store.new_id()))
        store.mark_failed(racer["_id"], "card_declined")
        return real_insert(payment)

    store.insert_pending = declined_meanwhile
    with pytest.raises(Conflict) as refused:
        ledger.pay(placed["id"], USER, GOOD_CARD)

    assert refused.value.code == "TOO_MANY_DECLINES"
    assert store.captured_for_order(placed["id"]) is None
    assert [p["status"] for p in store.for_order(placed["id"])] == [FAILED] * LIMITS.per_order


def test_a_user_declined_their_limit_across_orders_waits_for_the_oldest_to_leave_the_window(store, order, dispatch,
                                                                                          processor):
    limits = DeclineLimits(per_order=5, per_user=3, window_seconds=600)
    ledger = Ledger(store, Services(order=order), dispatch, processor, limits)
    orders = [order.add(an_order(f"{n:024x}")) for n in range(3)]
    for placed in orders[:2]:
        decline(ledger, placed["id"])
    decline(ledger, orders[0]["id"])
    oldest = min(store.payments.values(), key=lambda p: p["_id"])
    oldest["updated_at"] = stamp(datetime.now(UTC) - timedelta(seconds=500))

    with pytest.raises(TooManyRequests) as refused:
        ledger.pay(orders[2]["id"], USER, GOOD_CARD)

    assert refused.value.code == "TOO_MANY_DECLINES_FOR_USER"
    assert 90 <= refused.value.details["retry_after"] <= 101
    assert store.for_order(orders[2]["id"]) == []
    # another user is not held back, and once the oldest leaves the window this one may pay
    other = order.add(dict(an_order("f" * 24), user_id="user-2"))
    assert ledger.pay(other["id"], "user-2", GOOD_CARD)["status"] == SUCCEEDED
    oldest["updated_at"] = stamp(datetime.now(UTC) - timedelta(seconds=601))
    assert ledger.pay(orders[2]["id"], USER, GOOD_CARD)["status"] == SUCCEEDED


def test_an_order_is_charged_once(ledger, order):
    placed = order.add(an_order())
    ledger.pay(placed["id"], USER, GOOD_CARD)

    with pytest.raises(Conflict) as refused:
        ledger.pay(placed["id"], USER, GOOD_CARD)

    assert refused.value.code == "ORDER_ALREADY_PAID"


def test_a_processor_that_does_not_answer_leaves_the_payment_pending(ledger, store, order, processor, dispatch):
    placed = order.add(an_order())
    processor.failure = TimeoutError("acquirer down")

    with pytest.raises(ServiceUnavailable) as unknown:
        ledger.pay(placed["id"], USER, GOOD_CARD)

    [payment] = store.for_order(placed["id"])
    assert unknown.value.code == "PAYMENT_OUTCOME_UNKNOWN"
    assert unknown.value.details == {"payment_id": payment["_id"], "order_id": placed["id"]}
    assert payment["status"] == PENDING and payment["charge_key"] == placed["id"]
    assert dispatch.events == []


def test_an_answer_lost_after_capture_never_lets_the_order_be_charged_twice(ledger, store, order, processor,
                                                                          dispatch):
    placed = order.add(an_order())
    processor.failure_after_capture = TimeoutError("answer lost")
    with pytest.raises(ServiceUnavailable):
        ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.failure_after_capture = None

    with pytest.raises(Conflict) as retried:
        ledger.pay(placed["id"], USER, GOOD_CARD)

    [payment] = store.for_order(placed["id"])
    assert retried.value.code == "PAYMENT_BEING_SETTLED"
    assert retried.value.details == {"order_id": placed["id"], "payment_id": payment["_id"]}
    assert list(processor.books) == [payment["_id"]]
    age(store, payment["_id"])
    assert ledger.settle_abandoned(GRACE) == 1
    assert store.find(payment["_id"])["status"] == SUCCEEDED
    assert [event["payment_id"] for event in dispatch.of("payment_succeeded")] == [payment["_id"]]
    with pytest.raises(Conflict) as paid:
        ledger.pay(placed["id"], USER, GOOD_CARD)
    assert paid.value.code == "ORDER_ALREADY_PAID" and len(processor.books) == 1


def test_a_charge_the_processor_never_received_is_failed_by_the_sweep_and_payable_again(ledger, store, order,
                                                                                       processor):
    placed = order.add(an_order())
    processor.failure = ConnectionError("acquirer unreachable")
    with pytest.raises(ServiceUnavailable):
        ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.failure = None
    [payment] = store.for_order(placed["id"])

    assert ledger.settle_abandoned(GRACE) == 0  # its grace has not run out: it may still be answered
    age(store, payment["_id"])
    assert ledger.settle_abandoned(GRACE) == 1

    assert store.find(payment["_id"])["status"] == FAILED
    assert ledger.pay(placed["id"], USER, GOOD_CARD)["status"] == SUCCEEDED


def test_a_processor_whose_books_cannot_be_read_leaves_the_payment_pending(ledger, store, order, processor):
    payment_id = begin_payment(store, order, "a" * 24)
    age(store, payment_id)
    processor.on_lookup = lambda key: (_ for _ in ()).throw(TimeoutError("books unreachable"))

    assert ledger.settle_abandoned(GRACE) == 0

    assert store.find(payment_id)["status"] == PENDING


def test_a_capture_the_sweep_gave_up_on_first_is_reversed(ledger, store, order, processor, dispatch):
    placed = order.add(an_order())
    processor.on_charge = lambda payment_id: store.mark_failed(payment_id, "abandoned")

    with pytest.raises(ServiceUnavailable):
        ledger.pay(placed["id"], USER, GOOD_CARD)

    [payment] = store.for_order(placed["id"])
    assert payment["status"] == FAILED
    assert [refund["refund_id"] for refund in processor.refunds] == ["re_" + payment["_id"]]
    assert dispatch.of("payment_succeeded") == []


# -- the crash-recovery sweep ------------------------------------------------------------------

def begin_payment(store, order, order_id):
    """A payment left pending by a worker that died before recording the processor's answer."""
    placed = order.add(an_order(order_id))
    payment_id = store.new_id()
    store.insert_pending({"_id": payment_id, "order_id": placed["id"], "user_id": USER, "amount": placed["amount"],
                          "currency": "IDR", "created_at": datetime.now(UTC)})
    return payment_id


def test_the_sweep_settles_abandoned_payments_from_the_processors_books(ledger, store, order, processor, dispatch):
    captured = begin_payment(store, order, "a" * 24)
    processor.charge(captured, "4242424242424242", 250_000, "IDR")
    never_received = begin_payment(store, order, "b" * 24)
    recent = begin_payment(store, order, "c" * 24)
    age(store, captured)
    age(store, never_received)

    assert ledger.settle_abandoned(GRACE) == 2

    assert store.find(captured)["status"] == SUCCEEDED
    assert [event["payment_id"] for event in dispatch.of("payment_succeeded")] == [captured]
    assert store.find(never_received)["status"] == FAILED
    assert store.find(never_received)["decline_reason"] == "abandoned"
    assert store.find(recent)["status"] == PENDING  # its worker may still be waiting for the answer


def test_the_sweep_announces_captures_never_announced(ledger, store, order, dispatch, monkeypatch):
    placed = order.add(an_order())
    monkeypatch.setattr(store, "mark_announced", lambda payment_id: None)  # the crash: announced, not noted
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    monkeypatch.undo()
    age(store, payment["id"])

    assert ledger.announce_forgotten(GRACE) == 1
    assert ledger.announce_forgotten(GRACE) == 0

    assert [event["payment_id"] for event in dispatch.of("payment_succeeded")] == [payment["id"]] * 2


# -- refunds ---------------------------------------------------------------------------------

def test_cancelled_tickets_refund_the_orders_payment_once(ledger, store, order, processor, dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)

    ledger.refund_order(placed["id"], "order_cancelled")
    ledger.refund_order(placed["id"], "order_cancelled")  # a replayed tickets_cancelled

    refunded = store.find(payment["id"])
    assert refunded["status"] == REFUNDED and len(processor.refunds) == 1
    assert processor.refunds[0]["refund_id"] == refunded["refund"]["id"]
    events = dispatch.of("payment_refunded")
    assert len(events) == 2 and events[0] == events[1] == {
        "payment_id": payment["id"], "refund_id": refunded["refund"]["id"], "order_id": placed["id"],
        "amount": 250_000, "order_total": 250_000, "currency": "IDR", "reason": "order_cancelled",
    }


def test_the_fare_rules_amount_is_refunded_never_more_than_captured(ledger, store, order, processor):
    partial, whole = order.add(an_order()), order.add(an_order("b" * 24))
    first, second = ledger.pay(partial["id"], USER, GOOD_CARD), ledger.pay(whole["id"], USER, GOOD_CARD)

    ledger.refund_order(partial["id"], "order_cancelled", 187_500)
    ledger.refund_order(whole["id"], "order_cancelled", 10**9)

    assert store.find(first["id"])["refund"]["amount"] == 187_500
    assert store.find(second["id"])["refund"]["amount"] == 250_000
    assert sorted(r["amount"] for r in processor.refunds) == [187_500, 250_000]


def test_a_refund_of_nothing_closes_without_the_processor(ledger, store, order, processor, dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)

    ledger.refund_order(placed["id"], "order_cancelled", 0)

    refunded = store.find(payment["id"])
    assert refunded["status"] == REFUNDED and refunded["refund"]["amount"] == 0 and processor.refunds == []
    assert dispatch.of("payment_refunded")[0]["amount"] == 0


def test_the_refund_is_shown_with_its_refund_id(ledger, order):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    ledger.refund_payment(payment["id"], "order_expired")

    refund = ledger.get(payment["id"])["refund"]

    assert refund["refund_id"].startswith("re_") and refund["id"] == refund["refund_id"]  # id: the old name
    assert (refund["amount"], refund["reason"]) == (250_000, "order_expired")


def test_an_order_that_captured_nothing_refunds_nothing(ledger, order, processor, dispatch):
    placed = order.add(an_order())
    with pytest.raises(PaymentDeclined):
        ledger.pay(placed["id"], USER, DECLINED_CARD)

    ledger.refund_order(placed["id"], "tickets_cancelled")

    assert processor.refunds == [] and dispatch.of("payment_refunded") == []


def test_a_rejected_payment_is_refunded(ledger, store, order, processor, dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)

    ledger.refund_payment(payment["id"], "order_expired")

    assert store.find(payment["id"])["status"] == REFUNDED and len(processor.refunds) == 1
    assert dispatch.of("payment_refunded")[0]["reason"] == "order_expired"


def test_a_failed_or_unknown_payment_is_never_refunded(ledger, order, processor, dispatch):
    placed = order.add(an_order())
    with pytest.raises(PaymentDeclined) as declined:
        ledger.pay(placed["id"], USER, DECLINED_CARD)

    ledger.refund_payment(declined.value.details["payment_id"], "order_expired")
    ledger.refund_payment("f" * 24, "order_expired")

    assert processor.refunds == [] and dispatch.of("payment_refunded") == []


# -- reading ---------------------------------------------------------------------------------

def test_payments_of_an_order_oldest_first(ledger, order):
    placed = order.add(an_order())
    with pytest.raises(PaymentDeclined):
        ledger.pay(placed["id"], USER, DECLINED_CARD)
    ledger.pay(placed["id"], USER, GOOD_CARD)

    assert [p["status"] for p in ledger.for_order(placed["id"])] == [FAILED, SUCCEEDED]


def test_an_unknown_payment_is_not_found(ledger):
    with pytest.raises(NotFound):
        ledger.get("f" * 24)


# -- refunds that do not finish at once ---------------------------------------------------------

def refunded_event_ids(dispatch):
    return [event["refund_id"] for event in dispatch.of("payment_refunded")]


def test_a_refund_is_recorded_as_refunding_before_the_processor_is_asked(ledger, store, order, processor,
                                                                        dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    seen = []
    processor.on_refund = lambda refund_id: seen.append(
        (refund_id, store.find(payment["id"]), dispatch.of("payment_refunded")))

    ledger.refund_order(placed["id"], "order_cancelled")

    [(refund_id, while_asked, announced_before)] = seen
    assert while_asked["status"] == REFUNDING and while_asked["refund"]["id"] == refund_id
    assert announced_before == []  # the order shows REFUNDED only once the money has moved
    assert store.find(payment["id"])["status"] == REFUNDED and refunded_event_ids(dispatch) == [refund_id]


def test_a_refund_the_processor_did_not_confirm_stays_refunding_and_the_sweep_finishes_it(ledger, store, order,
                                                                                          processor, dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.refund_failure = TimeoutError("acquirer down")

    ledger.refund_order(placed["id"], "order_cancelled")  # the handler does not fail: the sweep takes over

    refunding = store.find(payment["id"])
    assert refunding["status"] == REFUNDING and processor.refunds == []
    assert dispatch.of("payment_refunded") == []  # the order must not show REFUNDED yet
    processor.refund_failure = None
    assert ledger.finish_refunds(GRACE) == 0  # recorded just now: its worker may still be asking
    store.payments[payment["id"]]["updated_at"] = "2000-01-01T00:00:00.000000+00:00"
    assert ledger.finish_refunds(GRACE) == 1
    assert ledger.finish_refunds(GRACE) == 0

    refunded = store.find(payment["id"])
    assert refunded["status"] == REFUNDED and refunded["refund"]["id"] == refunding["refund"]["id"]
    assert [r["refund_id"] for r in processor.refunds] == [refunding["refund"]["id"]]
    assert refunded_event_ids(dispatch) == [refunding["refund"]["id"]]


def test_a_refund_asked_twice_with_its_id_is_one_refund(ledger, store, order, processor, dispatch):
    """The crash after the processor refunded and before it was recorded: asked again, same key."""
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    real_mark_refunded = store.mark_refunded
    store.mark_refunded = lambda payment_id, refund_id: None  # the worker dies before recording it
    ledger.refund_order(placed["id"], "order_cancelled")
    store.mark_refunded = real_mark_refunded
    store.payments[payment["id"]]["updated_at"] = "2000-01-01T00:00:00.000000+00:00"

    assert ledger.finish_refunds(GRACE) == 1

    assert processor.refund_calls == 2 and len(processor.refunds) == 1
    assert store.find(payment["id"])["status"] == REFUNDED and len(dispatch.of("payment_refunded")) == 1


def test_a_refund_announced_never_is_announced_by_the_sweep(ledger, store, order, dispatch, monkeypatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    monkeypatch.setattr(store, "mark_refund_announced", lambda payment_id: None)
    monkeypatch.setattr(ledger, "dispatch", lambda *event: None)  # the crash: refunded, never announced
    ledger.refund_order(placed["id"], "order_cancelled")
    monkeypatch.undo()
    store.payments[payment["id"]]["updated_at"] = "2000-01-01T00:00:00.000000+00:00"

    assert ledger.announce_forgotten(GRACE) == 1
    assert ledger.announce_forgotten(GRACE) == 0

    assert refunded_event_ids(dispatch) == [store.find(payment["id"])["refund"]["id"]]


# -- two replicas sweeping at once ------------------------------------------------------------

@pytest.fixture
def replica(store, order, dispatch, processor):
    """A second payment process: its own Ledger on the same store, processor and broker."""
    return Ledger(store, Services(order=order), dispatch, processor, LIMITS)


def test_two_sweeps_settle_an_abandoned_capture_once(ledger, replica, store, order, processor, dispatch):
    payment_id = begin_payment(store, order, "a" * 24)
    processor.charge(payment_id, "4242424242424242", 250_000, "IDR")
    age(store, payment_id)
    second = []
    processor.on_lookup = lambda key: second.append(replica.settle_abandoned(GRACE)) if not second else None

    assert ledger.settle_abandoned(GRACE) == 1

    assert second == [0]  # the replica found it claimed
    assert store.find(payment_id)["status"] == SUCCEEDED
    assert [event["payment_id"] for event in dispatch.of("payment_succeeded")] == [payment_id]


def test_two_sweeps_finish_a_refund_once(ledger, replica, store, order, processor, dispatch):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.refund_failure = TimeoutError("acquirer down")
    ledger.refund_order(placed["id"], "order_cancelled")
    processor.refund_failure = None
    store.payments[payment["id"]]["updated_at"] = "2000-01-01T00:00:00.000000+00:00"
    second = []
    processor.on_refund = lambda refund_id: second.append(replica.finish_refunds(GRACE)) if not second else None

    assert ledger.finish_refunds(GRACE) == 1

    assert second == [0] and processor.refund_calls == 2  # the failed ask, then the one sweep's
    assert len(processor.refunds) == 1 and len(dispatch.of("payment_refunded")) == 1


class InterleavingDispatcher(Dispatcher):
    """Runs ``meanwhile`` the first time an event is published (the other replica's sweep)."""

    def __init__(self):
        super().__init__()
        self.meanwhile = None

    def __call__(self, event_type, payload):
        run, self.meanwhile = self.meanwhile, None
        if run is not None:
            run()
        super().__call__(event_type, payload)


def test_two_sweeps_announce_a_forgotten_capture_and_refund_once(store, order, processor, monkeypatch):
    dispatch = InterleavingDispatcher()
    ledger = Ledger(store, Services(order=order), dispatch, processor, LIMITS)
    replica = Ledger(store, Services(order=order), dispatch, processor, LIMITS)
    placed = order.add(an_order())
    refunded = order.add(an_order("b" * 24))
    monkeypatch.setattr(store, "mark_announced", lambda payment_id: None)
    monkeypatch.setattr(store, "mark_refund_announced", lambda payment_id: None)
    capture = ledger.pay(placed["id"], USER, GOOD_CARD)
    refund = ledger.pay(refunded["id"], USER, GOOD_CARD)
    ledger.refund_order(refunded["id"], "order_cancelled")
    monkeypatch.undo()
    dispatch.events.clear()
    for payment_id in (capture["id"], refund["id"]):
        age(store, payment_id)
        store.payments[payment_id]["updated_at"] = "2000-01-01T00:00:00.000000+00:00"
    second = []
    dispatch.meanwhile = lambda: second.append(replica.announce_forgotten(GRACE))

    # the replica runs while the first announces the capture: it finds the capture claimed and
    # announces the refund, which the first then finds claimed
    assert ledger.announce_forgotten(GRACE) == 1

    assert second == [1]
    assert [event["payment_id"] for event in dispatch.of("payment_succeeded")] == [capture["id"]]
    assert [event["payment_id"] for event in dispatch.of("payment_refunded")] == [refund["id"]]


def test_a_claim_left_by_a_replica_that_died_ends_after_the_grace(ledger, store, order, processor, dispatch):
    payment_id = begin_payment(store, order, "a" * 24)
    processor.charge(payment_id, "4242424242424242", 250_000, "IDR")
    age(store, payment_id)
    now = datetime.now(UTC)
    store.claim(payment_id, "settle", now, now + timedelta(seconds=GRACE))  # then it died

    assert ledger.settle_abandoned(GRACE) == 0
    store.payments[payment_id]["claims"]["settle"] = "2000-01-01T00:00:00.000000+00:00"
    assert ledger.settle_abandoned(GRACE) == 1
    assert store.find(payment_id)["status"] == SUCCEEDED


# -- the audit ---------------------------------------------------------------------------------

def test_the_audit_pages_every_payment_with_its_refund(ledger, store, order, processor):
    orders = [order.add(an_order(f"{n:024x}")) for n in range(1, 4)]
    with pytest.raises(PaymentDeclined):
        ledger.pay(orders[0]["id"], USER, DECLINED_CARD)
    captured = ledger.pay(orders[1]["id"], USER, GOOD_CARD)
    refunded = ledger.pay(orders[2]["id"], USER, GOOD_CARD)
    ledger.refund_order(orders[2]["id"], "order_cancelled")

    first = ledger.audit(limit=2)
    rest = ledger.audit(after=first["next"], limit=2)

    assert first["next"] is not None and rest["next"] is None
    items = first["items"] + rest["items"]
    assert [item["status"] for item in items] == [FAILED, SUCCEEDED, REFUNDED]
    assert items[1] == {"id": captured["id"], "order_id": orders[1]["id"], "status": SUCCEEDED, "amount": 250_000,
                        "currency": "IDR", "refund": None, "partial_refunds": [],
                        "updated_at": store.find(captured["id"])["updated_at"]}
    refund_id = store.find(refunded["id"])["refund"]["id"]
    assert items[2]["refund"] == {"refund_id": refund_id, "amount": 250_000, "status": REFUNDED,
                                  "reason": "order_cancelled"}
    assert ledger.audit(after=items[2]["id"]) == {"items": [], "next": None}


def test_the_audit_shows_a_refund_in_progress(ledger, order, processor):
    placed = order.add(an_order())
    payment = ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.refund_failure = TimeoutError("acquirer down")
    ledger.refund_order(placed["id"], "order_cancelled")

    [item] = ledger.audit()["items"]

    assert item["id"] == payment["id"] and item["status"] == REFUNDING
    assert item["refund"]["status"] == REFUNDING and item["refund"]["amount"] == 250_000


@pytest.mark.parametrize("limit", [0, 1001, "10"])
def test_the_audit_page_is_1_to_1000(ledger, limit):
    with pytest.raises(InvalidInput):
        ledger.audit(limit=limit)


# -- a voluntary change's payment ---------------------------------------------------------------

CHANGE = "c" * 24


def test_a_change_is_charged_as_a_payment_of_its_own_once_and_never_announced_as_the_orders(ledger, store, order,
                                                                                             processor, dispatch):
    placed = order.add(an_order(status="TICKETED"))

    charged = ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)
    again = ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)

    assert charged == again and charged["status"] == SUCCEEDED and charged["change_id"] == CHANGE
    assert charged["amount"] == 27_500 and len(processor.books) == 1
    assert store.find(charged["id"])["charge_key"] == f"change:{CHANGE}"
    assert dispatch.of("payment_succeeded") == []  # it is not the order's payment
    assert ledger.change_payment(CHANGE)["id"] == charged["id"]
    assert ledger.change_payment("d" * 24) is None


def test_a_declined_change_payment_stays_declined_when_asked_again(ledger, store, order, processor):
    placed = order.add(an_order(status="TICKETED"))
    for _ in range(2):
        with pytest.raises(PaymentDeclined):
            ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", DECLINED_CARD)
    assert [p["status"] for p in store.for_order(placed["id"])] == [FAILED]
    with pytest.raises(PaymentDeclined):  # a change declined once is not charged to another card
        ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)
    assert len(processor.books) == 1


def test_a_change_payment_of_unknown_outcome_is_settled_by_the_sweep_without_an_order_payment_event(
        ledger, store, order, processor, dispatch):
    placed = order.add(an_order(status="TICKETED"))
    processor.failure_after_capture = TimeoutError("answer lost")
    with pytest.raises(ServiceUnavailable) as unknown:
        ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)
    assert unknown.value.code == "PAYMENT_OUTCOME_UNKNOWN"
    processor.failure_after_capture = None
    [pending] = store.for_order(placed["id"])
    age(store, pending["_id"])

    assert ledger.settle_abandoned(GRACE) == 1
    assert ledger.announce_forgotten(GRACE) == 0
    assert ledger.change_payment(CHANGE)["status"] == SUCCEEDED
    assert dispatch.of("payment_succeeded") == [] and dispatch.of("payment_failed") == []


def test_a_refused_changes_payment_is_given_back_whole_once(ledger, store, order, processor, dispatch):
    placed = order.add(an_order(status="TICKETED"))
    charged = ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)

    ledger.refund_change(CHANGE)
    ledger.refund_change(CHANGE)

    refunded = store.find(charged["id"])
    assert refunded["status"] == REFUNDED and refunded["refund"]["amount"] == 27_500
    assert refunded["refund"]["reason"] == "change_failed" and len(processor.refunds) == 1
    assert {event["change_id"] for event in dispatch.of("payment_refunded")} == {CHANGE}


def test_a_cancellation_refunds_across_the_orders_payments_never_more_than_captured(ledger, store, order,
                                                                                      processor):
    placed = order.add(an_order())
    own = ledger.pay(placed["id"], USER, GOOD_CARD)  # 250 000
    changed = ledger.charge_change(placed["id"], USER, CHANGE, 27_500, "IDR", GOOD_CARD)
    failed = ledger.charge_change(placed["id"], USER, "e" * 24, 10_000, "IDR", GOOD_CARD)
    ledger.refund_change("e" * 24)  # that change's exchange was refused: given back already

    ledger.refund_order(placed["id"], "order_cancelled", 260_000)
    ledger.refund_order(placed["id"], "order_cancelled", 260_000)  # a replay

    assert store.find(own["id"])["refund"]["amount"] == 250_000
    assert store.find(changed["id"])["refund"]["amount"] == 10_000
    assert store.find(failed["id"])["refund"]["amount"] == 10_000
    assert len(processor.refunds) == 3

    whole = order.add(an_order("b" * 24))
    ledger.pay(whole["id"], USER, GOOD_CARD)
    ledger.charge_change(whole["id"], USER, "f" * 24, 27_500, "IDR", GOOD_CARD)
    ledger.refund_order(whole["id"], "flight_cancelled")
    assert sorted(p["refund"]["amount"] for p in store.for_order(whole["id"])) == [27_500, 250_000]


def test_a_residual_refund_is_given_back_once_and_a_cancellation_refunds_only_what_is_left(ledger, store, order,
                                                                                             processor, dispatch):
    placed = order.add(an_order())
    own = ledger.pay(placed["id"], USER, GOOD_CARD)  # 250 000

    assert ledger.refund_residual(placed["id"], CHANGE, 50_000) == 50_000
    assert ledger.refund_residual(placed["id"], CHANGE, 50_000) == 50_000  # asked again: the same refund
    kept = store.find(own["id"])
    assert kept["status"] == SUCCEEDED and kept["partial_refunds"][CHANGE]["status"] == REFUNDED
    assert [r["amount"] for r in processor.refunds] == [50_000]
    assert dispatch.of("payment_refunded") == []

    ledger.refund_order(placed["id"], "flight_cancelled")  # all of what is left
    assert store.find(own["id"])["refund"]["amount"] == 200_000


def test_a_residual_refund_the_processor_did_not_confirm_is_asked_again_with_its_id(ledger, store, order,
                                                                                     processor):
    placed = order.add(an_order())
    own = ledger.pay(placed["id"], USER, GOOD_CARD)
    processor.refund_failure = ConnectionError("acquirer down")
    with pytest.raises(ServiceUnavailable):
        ledger.refund_residual(placed["id"], CHANGE, 50_000)
    processor.refund_failure = None
    assert ledger.refund_residual(placed["id"], CHANGE, 50_000) == 50_000
    assert len(processor.refunds) == 1
    assert store.find(own["id"])["partial_refunds"][CHANGE]["status"] == REFUNDED
