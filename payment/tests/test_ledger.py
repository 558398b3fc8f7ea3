"""The money rules of ``payment.ledger.Ledger``, on in-memory stand-ins: no broker, no
database, no sweep to wait for."""
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput, NotFound, PaymentDeclined, ServiceUnavailable
from payment.domain import FAILED, PENDING, REFUNDED, SUCCEEDED
from payment.ledger import Ledger
from payment.tests.fakes import FakeOrder, FakePaymentStore, FakeProcessor
from tests.helpers.fakes import Dispatcher, Services

USER = "user-1"
GOOD_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}
DECLINED_CARD = dict(GOOD_CARD, card_number="4000000000000002")
GRACE = 30


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
    return Ledger(store, Services(order=order), dispatch, processor)


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
        "amount": 250_000, "currency": "IDR", "reason": "order_cancelled",
    }


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
