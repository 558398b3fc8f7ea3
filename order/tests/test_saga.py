"""The order saga, step by step, on in-memory stand-ins: no broker, no database, no sweep
to wait for. Each test is one rule of ``order.saga.Orders``."""
from datetime import timedelta

import pytest

from common.errors import Conflict, NotFound, ServiceUnavailable, load_or_raise
from order import saga
from order.domain import CANCELLED, EXPIRED, PAID, PENDING_PAYMENT, REFUNDED, TICKETED, request_fingerprint, utcnow
from order.saga import Orders
from order.schemas import PlaceOrderSchema
from order.tests.conftest import BODY, USER
from tests.helpers.fakes import Dispatcher, Services


def on_seat(seat):
    return dict(BODY, passengers=[{"name": "Cy", "seat": seat}])


def paid_order(orders, payment_id="pay-1", body=BODY):
    order = orders.place(USER, body)
    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": payment_id, "amount": order["amount"]})
    return order


def ticketed_order(orders, payment_id="pay-1"):
    order = paid_order(orders, payment_id)
    orders.on_tickets_issued({"order_id": order["id"], "tickets": [
        {"number": "9990000000001", "seat": "3C", "status": "issued"},
        {"number": "9990000000002", "seat": "1A", "status": "issued"},
    ]})
    return order


# -- placing an order ----------------------------------------------------------------------

def test_placing_an_order_holds_the_seats_then_stores_the_order(orders, store, ticket, dispatch):
    order = orders.place(USER, BODY)

    hold = ticket.holds[order["id"]]
    assert order["status"] == PENDING_PAYMENT and order["user_id"] == USER
    assert order["amount"] == hold["amount"] == 200_000 and order["currency"] == "IDR"
    assert order["expires_at"] == hold["expires_at"]  # ticket's expiry, not one of order's own
    assert [(p["name"], p["seat"]) for p in order["passengers"]] == [("Ada Lovelace", "3C"), ("Bo", "1A")]
    assert store.find(order["id"])["booking_ref"] == order["booking_ref"]
    assert dispatch.of("order_created") == [{
        "order_id": order["id"], "user_id": USER, "flight_id": "flight-1", "seats": ["3C", "1A"],
        "amount": 200_000, "currency": "IDR", "expires_at": order["expires_at"],
    }]


def test_a_hold_that_times_out_is_released_and_nothing_is_stored(orders, store, ticket, dispatch):
    ticket.failure = ServiceUnavailable("ticket is not answering")

    with pytest.raises(ServiceUnavailable):
        orders.place(USER, BODY)

    assert len(ticket.released) == 1 and store.orders == {} and dispatch.events == []


def test_a_refused_hold_stores_nothing(orders, store, ticket):
    ticket.failure = Conflict("Seats not available.", code="SEAT_UNAVAILABLE")

    with pytest.raises(Conflict):
        orders.place(USER, BODY)

    assert store.orders == {}


def test_an_order_that_cannot_be_stored_releases_its_hold(orders, store, ticket, monkeypatch):
    def broken_insert(order, events=()):
        raise ConnectionError("the store is down")

    monkeypatch.setattr(store, "insert", broken_insert)

    with pytest.raises(ConnectionError):
        orders.place(USER, BODY)

    assert list(ticket.holds) == [] and len(ticket.released) == 1


def test_a_taken_booking_reference_is_drawn_again(orders, store, monkeypatch):
    refs = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    monkeypatch.setattr("order.saga.new_booking_ref", lambda: next(refs))

    first = orders.place(USER, BODY)
    second = orders.place(USER, on_seat("9F"))

    assert (first["booking_ref"], second["booking_ref"]) == ("AAAAAA", "BBBBBB")


def test_the_same_idempotency_key_answers_the_first_order(orders, store, ticket, dispatch):
    first = orders.place(USER, BODY, idempotency_key="key-1")
    again = orders.place(USER, BODY, idempotency_key="key-1")

    assert again == first and len(store.orders) == 1 and len(ticket.holds) == 1
    assert len(dispatch.of("order_created")) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(orders):
    first = orders.place(USER, BODY, idempotency_key="key-1")

    with pytest.raises(Conflict) as refused:
        orders.place(USER, dict(BODY, flight_id="flight-2"), idempotency_key="key-1")

    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED" and refused.value.details == {"order_id": first["id"]}


def test_a_key_whose_hold_was_refused_can_be_used_again(orders, store, ticket):
    ticket.failure = Conflict("Seats not available.", code="SEAT_UNAVAILABLE")
    with pytest.raises(Conflict):
        orders.place(USER, BODY, idempotency_key="key-1")
    assert store.claims == {}

    ticket.failure = None
    order = orders.place(USER, BODY, idempotency_key="key-1")

    assert store.find(order["id"])["status"] == PENDING_PAYMENT


def test_a_key_whose_hold_timed_out_stays_claimed_and_a_retry_completes_the_same_order(orders, store, ticket):
    own_order_id = f"{1:024x}"
    ticket.failure = ServiceUnavailable("ticket is not answering")
    with pytest.raises(ServiceUnavailable):
        orders.place(USER, BODY, idempotency_key="key-1")
    # the hold may have been made after the deadline: neither it nor the key is let go
    assert ticket.released == [] and store.claims[(USER, "key-1")]["order_id"] == own_order_id

    ticket.failure = None
    order = orders.place(USER, BODY, idempotency_key="key-1")

    assert order["id"] == own_order_id and store.find(own_order_id)["status"] == PENDING_PAYMENT


def test_a_retry_whose_hold_times_out_leaves_the_first_requests_order_and_seats(orders, store, ticket):
    # the first request claimed the key and is still running (its hold made, no order yet)
    store.claim_idempotency_key(USER, "key-1", request_fingerprint(load_or_raise(PlaceOrderSchema(), BODY)),
                                "f" * 24)
    ticket.hold_seats("f" * 24, "flight-1", ["3C"], cabin_class="economy", count=1)
    ticket.failure = ServiceUnavailable("ticket is not answering")

    with pytest.raises(ServiceUnavailable):
        orders.place(USER, BODY, idempotency_key="key-1")

    assert ticket.released == [] and "f" * 24 in ticket.holds
    assert store.claims[(USER, "key-1")]["order_id"] == "f" * 24


def test_a_retry_whose_hold_is_refused_never_frees_the_first_requests_key(orders, store, ticket):
    first = orders.place(USER, BODY, idempotency_key="key-1")
    del store.orders[first["id"]]  # as if the first request were still between its hold and its insert
    ticket.failure = Conflict("This order can no longer hold seats.", code="ORDER_CLOSED")

    with pytest.raises(Conflict):
        orders.place(USER, BODY, idempotency_key="key-1")

    assert store.claims[(USER, "key-1")]["order_id"] == first["id"] and ticket.released == []


# -- paying ----------------------------------------------------------------------------------

def test_a_pending_order_is_payable(orders):
    order = orders.place(USER, BODY)

    assert orders.payable(order["id"], USER) == order


def test_an_order_past_its_expiry_is_not_payable_even_before_the_sweep(orders):
    order = orders.place(USER, BODY)

    with pytest.raises(Conflict) as refused:
        orders.payable(order["id"], USER, now=utcnow() + timedelta(hours=1))

    assert refused.value.code == "ORDER_NOT_PAYABLE"
    assert refused.value.details == {"status": PENDING_PAYMENT, "expires_at": order["expires_at"]}


def test_a_paid_order_is_not_payable(orders):
    order = paid_order(orders)

    with pytest.raises(Conflict) as refused:
        orders.payable(order["id"], USER)

    assert refused.value.code == "ORDER_NOT_PAYABLE" and refused.value.details["status"] == PAID


def test_another_users_order_is_not_found(orders):
    order = orders.place(USER, BODY)

    with pytest.raises(NotFound):
        orders.payable(order["id"], "someone-else")


def test_payment_succeeded_makes_the_order_paid_and_asks_for_tickets(orders, store, dispatch):
    order = paid_order(orders, "pay-1")

    assert store.find(order["id"])["status"] == PAID and store.find(order["id"])["payment_id"] == "pay-1"
    [event] = dispatch.of("order_paid")
    assert event["order_id"] == order["id"] and event["payment_id"] == "pay-1"
    assert event["passengers"] == order["passengers"]


def test_a_replayed_payment_succeeded_asks_for_tickets_again_and_changes_nothing(orders, store, dispatch):
    order = paid_order(orders, "pay-1")
    before = store.find(order["id"])

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})

    assert store.find(order["id"]) == before and len(dispatch.of("order_paid")) == 2
    assert dispatch.of("payment_rejected") == []


def test_payment_succeeded_on_an_expired_order_publishes_payment_rejected(orders, store, dispatch):
    order = orders.place(USER, BODY)
    orders.expire_overdue(now=utcnow() + timedelta(hours=1))

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})

    assert store.find(order["id"])["status"] == EXPIRED
    assert dispatch.of("payment_rejected") == [
        {"payment_id": "pay-1", "order_id": order["id"], "reason": "order_expired"},
    ]
    assert dispatch.of("order_paid") == []


def test_a_second_payment_of_a_paid_order_is_rejected(orders, dispatch):
    order = paid_order(orders, "pay-1")

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-2", "amount": order["amount"]})

    assert dispatch.of("payment_rejected") == [
        {"payment_id": "pay-2", "order_id": order["id"], "reason": "order_paid"},
    ]


def test_a_payment_of_the_wrong_amount_is_rejected(orders, store, dispatch):
    order = orders.place(USER, BODY)

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"] - 1})

    assert store.find(order["id"])["status"] == PENDING_PAYMENT
    assert [event["payment_id"] for event in dispatch.of("payment_rejected")] == ["pay-1"]


def test_a_payment_for_no_known_order_is_rejected(orders, dispatch):
    orders.on_payment_succeeded({"order_id": "f" * 24, "payment_id": "pay-1", "amount": 1})

    assert dispatch.of("payment_rejected") == [
        {"payment_id": "pay-1", "order_id": "f" * 24, "reason": "order_unknown"},
    ]


def test_a_refund_that_arrives_before_its_payment_keeps_the_order_from_being_paid(orders, store, dispatch):
    order = orders.place(USER, BODY)
    orders.on_payment_refunded({"order_id": order["id"], "payment_id": "pay-1", "refund_id": "re_1",
                                "amount": order["amount"], "reason": "order_expired"})

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})

    assert store.find(order["id"])["status"] == PENDING_PAYMENT
    assert [event["payment_id"] for event in dispatch.of("payment_rejected")] == ["pay-1"]


# -- ticketing, expiring, cancelling, refunding -----------------------------------------------

def test_tickets_issued_make_the_order_ticketed(orders, store):
    order = ticketed_order(orders)

    stored = store.find(order["id"])
    assert stored["status"] == TICKETED
    assert [ticket["number"] for ticket in stored["tickets"]] == ["9990000000001", "9990000000002"]


def test_the_expiry_sweep_expires_only_orders_past_due(orders, store, ticket, dispatch):
    overdue = orders.place(USER, BODY)
    ticket.ttl = timedelta(hours=2)
    current = orders.place(USER, on_seat("9F"))
    paid = paid_order(orders, body=on_seat("9E"))

    assert orders.expire_overdue(now=utcnow() + timedelta(hours=1)) == 1

    assert store.find(overdue["id"])["status"] == EXPIRED
    assert store.find(current["id"])["status"] == PENDING_PAYMENT
    assert store.find(paid["id"])["status"] == PAID
    assert dispatch.of("order_expired") == [
        {"order_id": overdue["id"], "flight_id": "flight-1", "seats": ["3C", "1A"], "paid": False, "reason": "expired"},
    ]
    assert orders.expire_overdue(now=utcnow() + timedelta(hours=1)) == 0  # a second sweep finds nothing


def test_cancelling_a_pending_order_cancels_it_and_releases_its_seats(orders, store, dispatch):
    order = orders.place(USER, BODY)

    answer = orders.cancel(order["id"], USER)

    assert answer["status"] == CANCELLED and answer["cancel_reason"] == "order_cancelled"
    assert dispatch.of("order_cancelled") == [{"order_id": order["id"], "flight_id": "flight-1",
                                               "seats": ["3C", "1A"], "paid": False, "reason": "order_cancelled"}]


def test_cancelling_a_paid_order_still_being_ticketed_asks_to_wait(orders):
    order = paid_order(orders)

    with pytest.raises(Conflict) as refused:
        orders.cancel(order["id"], USER)

    assert refused.value.code == "ORDER_BEING_TICKETED"


def test_cancelling_a_ticketed_order_asks_for_the_refund(orders, store, dispatch):
    order = ticketed_order(orders)

    answer = orders.cancel(order["id"], USER)

    assert answer["status"] == TICKETED and answer["cancellation_requested_at"]
    assert dispatch.of("order_cancelled") == [{"order_id": order["id"], "flight_id": "flight-1",
                                               "seats": ["3C", "1A"], "paid": True, "reason": "order_cancelled",
                                               "refund_amount": answer["refund_due"]["amount"]}]


def test_the_refund_of_the_orders_payment_makes_it_refunded(orders, store):
    order = ticketed_order(orders, "pay-1")

    orders.on_payment_refunded({"order_id": order["id"], "payment_id": "pay-1", "refund_id": "re_1",
                                "amount": order["amount"], "reason": "order_cancelled"})

    stored = store.find(order["id"])
    assert stored["status"] == REFUNDED
    assert {key: stored["refund"][key] for key in ("refund_id", "amount", "reason")} == {
        "refund_id": "re_1", "amount": order["amount"], "reason": "order_cancelled"}
    shown = orders.get(order["id"], USER)
    assert shown["status"] == REFUNDED


def test_the_refund_of_another_payment_leaves_the_order_as_it_is(orders, store):
    order = ticketed_order(orders, "pay-1")

    orders.on_payment_refunded({"order_id": order["id"], "payment_id": "pay-2", "refund_id": "re_2",
                                "amount": order["amount"], "reason": "order_paid"})

    stored = store.find(order["id"])
    assert stored["status"] == TICKETED and "refund" not in stored
    assert list(stored["refunded_payments"]) == ["pay-2"]


def test_a_cancelled_flight_cancels_the_unpaid_orders_only(orders, store, dispatch):
    unpaid = orders.place(USER, BODY)
    paid = paid_order(orders, body=on_seat("9F"))

    orders.on_flight_cancelled({"flight_id": "flight-1"})

    assert store.find(unpaid["id"])["status"] == CANCELLED
    assert store.find(unpaid["id"])["cancel_reason"] == "flight_cancelled"
    assert store.find(paid["id"])["status"] == PAID  # refunded by tickets_cancelled -> payment_refunded
    assert [event["order_id"] for event in dispatch.of("order_cancelled")] == [unpaid["id"]]


def test_the_listing_pages_newest_first(orders):
    placed = [orders.place(USER, on_seat(seat)) for seat in ("1A", "2A", "3A")]

    page = orders.list(USER, limit=2)
    rest = orders.list(USER, limit=2, cursor=page["next_cursor"])

    assert [o["id"] for o in page["items"]] == [placed[2]["id"], placed[1]["id"]]
    assert [o["id"] for o in rest["items"]] == [placed[0]["id"]] and rest["next_cursor"] is None


# -- check-in without an account ------------------------------------------------------------

def test_a_booking_is_verified_by_reference_and_a_passengers_last_name(orders):
    order = orders.place(USER, BODY)

    found = orders.verify_booking(order["booking_ref"].lower(), " LOVELACE ")
    assert found == {"order_id": order["id"], "booking_ref": order["booking_ref"]}
    assert orders.verify_booking(order["booking_ref"], "bo")["order_id"] == order["id"]  # a one-word name
    for ref, name in ((order["booking_ref"], "Babbage"), ("ZZZZZZ", "Lovelace"), ("", "Lovelace"),
                      (order["booking_ref"], "")):
        with pytest.raises(NotFound):
            orders.verify_booking(ref, name)



ANY_SEAT = {"flight_id": "flight-1", "passengers": [{"name": "Ada Lovelace"}]}


def test_an_idempotency_key_answers_its_order_until_it_expires(store, ticket, track, monkeypatch):
    # no named seat: after the key expired, the new order takes the next seat
    keyed = Orders(store, Services(ticket=ticket, track=track), Dispatcher(), idempotency_key_ttl_seconds=60)
    first = keyed.place(USER, ANY_SEAT, idempotency_key="k")
    assert keyed.place(USER, ANY_SEAT, idempotency_key="k")["id"] == first["id"]
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(saga, "utcnow", lambda: later)  # the clock, a minute on
    assert keyed.place(USER, ANY_SEAT, idempotency_key="k")["id"] != first["id"]
