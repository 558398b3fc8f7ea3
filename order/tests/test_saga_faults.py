"""The order saga on a bad day, on in-memory stand-ins: a departed flight, track away, a
crash between a write and its publication, two relays at once, a paid order that could
not be ticketed, the audit's answer."""
from datetime import timedelta

import pytest

from common.errors import Conflict, InvalidInput, ServiceUnavailable
from order.domain import PAID, REFUNDED, TICKETED, utcnow
from order.saga import Orders
from order.tests.conftest import BODY, USER
from tests.helpers.fakes import Dispatcher, Services


def paid_order(orders, payment_id="pay-1"):
    order = orders.place(USER, BODY)
    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": payment_id, "amount": order["amount"]})
    return order


def ticketed_order(orders, payment_id="pay-1"):
    order = paid_order(orders, payment_id)
    orders.on_tickets_issued({"order_id": order["id"], "tickets": [
        {"number": "9990000000001", "seat": "3C", "status": "issued"},
        {"number": "9990000000002", "seat": "1A", "status": "issued"},
    ]})
    return order


class BrokerAway(Dispatcher):
    """A dispatcher whose publications all fail (the broker away, or the process killed
    between the write and the publish)."""

    def __call__(self, event_type, payload):
        raise ConnectionError("the broker is not answering")


# -- no refund once the flight has departed ---------------------------------------------------

@pytest.mark.parametrize("flight_status", ["boarding", "departed", "arrived"])
def test_a_ticketed_order_on_a_flight_that_has_left_is_not_cancelled(orders, store, track, dispatch, flight_status):
    order = ticketed_order(orders)
    track.flights["flight-1"]["status"] = flight_status
    before, events = store.find(order["id"]), list(dispatch.events)

    with pytest.raises(Conflict) as refused:
        orders.cancel(order["id"], USER)

    assert refused.value.code == "FLIGHT_DEPARTED"
    assert refused.value.details["flight_status"] == flight_status and refused.value.details["status"] == TICKETED
    assert store.find(order["id"]) == before and dispatch.events == events


def test_a_ticketed_order_past_its_departure_time_is_not_cancelled(orders, store, track, dispatch):
    order = ticketed_order(orders)
    track.schedule("flight-1", departure_in=timedelta(minutes=-1))  # still "scheduled", but the time has passed

    with pytest.raises(Conflict) as refused:
        orders.cancel(order["id"], USER)

    assert refused.value.code == "FLIGHT_DEPARTED" and dispatch.of("order_cancelled") == []


def test_a_paid_order_on_a_departed_flight_says_so_rather_than_wait(orders, track):
    order = paid_order(orders)
    track.flights["flight-1"]["status"] = "departed"

    with pytest.raises(Conflict) as refused:
        orders.cancel(order["id"], USER)

    assert refused.value.code == "FLIGHT_DEPARTED"


def test_without_track_a_paid_order_is_never_refunded_blindly(orders, store, track, dispatch):
    order = ticketed_order(orders)
    track.away = True

    with pytest.raises(ServiceUnavailable):
        orders.cancel(order["id"], USER)

    assert store.find(order["id"]).get("cancellation_requested_at") is None and dispatch.of("order_cancelled") == []


def test_before_departure_the_fare_rules_refund(orders, store, track, dispatch):
    order = ticketed_order(orders)
    track.flights["flight-1"]["status"] = "delayed"

    answer = orders.cancel(order["id"], USER)

    # the one-flight form sells standard: all but its 25% refund fee
    due = order["amount"] - order["amount"] * 25 // 100
    assert answer["status"] == TICKETED and answer["cancellation_requested_at"]
    assert answer["refund_due"] == {"amount": due, "kept": order["amount"] - due, "reason": "order_cancelled"}
    assert dispatch.of("order_cancelled")[-1]["refund_amount"] == due
    orders.on_payment_refunded({"order_id": order["id"], "payment_id": "pay-1", "refund_id": "re_1",
                                "amount": due, "reason": "order_cancelled"})
    assert store.find(order["id"])["refund"]["amount"] == due


def test_a_disruption_refunds_the_whole_fare(orders, dispatch):
    order = ticketed_order(orders)

    answer = orders.cancel(order["id"], USER, reason="disruption")

    assert answer["refund_due"] == {"amount": order["amount"], "kept": 0, "reason": "disruption"}
    assert dispatch.of("order_cancelled")[-1]["refund_amount"] == order["amount"]


def test_an_unpaid_order_is_cancelled_without_asking_track(orders, track):
    order = orders.place(USER, BODY)
    track.away = True

    assert orders.cancel(order["id"], USER)["status"] == "CANCELLED"


# -- the outbox ---------------------------------------------------------------------------------

def test_an_event_is_written_with_its_change_and_cleared_once_published(orders, store, dispatch):
    order = paid_order(orders)

    stored = store.find(order["id"])
    assert stored["outbox"] == {} and stored["outbox_pending"] == 0
    assert [kind for kind, _ in dispatch.events] == ["order_created", "order_paid"]


@pytest.mark.parametrize("step", ["place", "pay", "cancel", "expire", "reject"])
def test_an_event_whose_publication_failed_is_published_by_the_relay(store, ticket, track, step):
    up = Orders(store, Services(ticket=ticket, track=track), Dispatcher())
    down = Orders(store, Services(ticket=ticket, track=track), BrokerAway())
    order = {"place": lambda: down.place(USER, BODY), "pay": lambda: up.place(USER, BODY),
             "cancel": lambda: ticketed_order(up), "expire": lambda: up.place(USER, BODY),
             "reject": lambda: ticketed_order(up)}[step]()
    order_id = order["id"]
    if step == "pay":
        down.on_payment_succeeded({"order_id": order_id, "payment_id": "pay-1", "amount": order["amount"]})
    elif step == "cancel":
        down.cancel(order_id, USER)
    elif step == "expire":
        down.expire_overdue(now=utcnow() + timedelta(hours=1))
    elif step == "reject":
        down.on_payment_succeeded({"order_id": order_id, "payment_id": "pay-2", "amount": order["amount"]})
    expected = {"place": "order_created", "pay": "order_paid", "cancel": "order_cancelled",
                "expire": "order_expired", "reject": "payment_rejected"}[step]
    assert store.find(order_id)["outbox_pending"] == 1

    relay = Dispatcher()
    relaying = Orders(store, Services(ticket=ticket, track=track), relay)
    assert relaying.relay_events(30) == 0  # too recent: its writer may still publish it
    assert relaying.relay_events(30, now=utcnow() + timedelta(seconds=31)) == 1

    [(kind, payload)] = relay.events
    assert kind == expected and payload["order_id"] == order_id
    assert store.find(order_id)["outbox_pending"] == 0


def test_two_relays_at_once_publish_an_event_once(store, ticket, track):
    down = Orders(store, Services(ticket=ticket, track=track), BrokerAway())
    order = down.place(USER, BODY)
    later = utcnow() + timedelta(seconds=31)
    first, second = Dispatcher(), Dispatcher()

    taken = [Orders(store, Services(), first).relay_events(30, now=later),
             Orders(store, Services(), second).relay_events(30, now=later)]

    assert sorted(taken) == [0, 1]
    assert [payload["order_id"] for _, payload in first.events + second.events] == [order["id"]]


def test_the_relay_publishes_an_orders_events_in_the_order_they_were_written(store, ticket, track):
    down = Orders(store, Services(ticket=ticket, track=track), BrokerAway())
    order = down.place(USER, BODY)
    down.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})
    relay = Dispatcher()

    Orders(store, Services(), relay).relay_events(30, now=utcnow() + timedelta(seconds=31))

    assert [kind for kind, _ in relay.events] == ["order_created", "order_paid"]


def test_a_replay_while_paid_asks_for_tickets_again_without_writing(orders, store, dispatch):
    order = paid_order(orders)
    before = store.find(order["id"])

    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})

    assert store.find(order["id"]) == before and len(dispatch.of("order_paid")) == 2


# -- a paid order that could not be ticketed ------------------------------------------------------

@pytest.mark.parametrize("reason", ["ticketing_failed", "flight_departed"])
def test_a_paid_order_never_ticketed_ends_refunded_with_the_reason(orders, store, reason):
    order = paid_order(orders)
    refund = {"order_id": order["id"], "payment_id": "pay-1", "refund_id": "re_1", "amount": order["amount"],
              "reason": reason}

    orders.on_payment_refunded(refund)
    orders.on_payment_refunded(refund)  # a replay changes nothing

    stored = store.find(order["id"])
    assert stored["status"] == REFUNDED and stored["tickets"] == [] and list(stored["history"]) == [
        "PENDING_PAYMENT", PAID, REFUNDED]
    shown = orders.get(order["id"], USER)
    assert shown["refund"]["reason"] == reason and shown["refund"]["amount"] == order["amount"]


# -- the audit ------------------------------------------------------------------------------------

def test_the_audit_answers_every_order_in_the_contracts_shape(orders):
    pending = orders.place(USER, dict(BODY, passengers=[{"name": "Cy", "seat": "9F"}]))
    ticketed = ticketed_order(orders, "pay-1")
    orders.on_payment_refunded({"order_id": ticketed["id"], "payment_id": "pay-1", "refund_id": "re_1",
                                "amount": ticketed["amount"], "reason": "order_cancelled"})

    page = orders.audit(limit=1)
    rest = orders.audit(after=page["next"], limit=1)

    assert [item["id"] for item in page["items"] + rest["items"]] == [pending["id"], ticketed["id"]]
    assert rest["next"] is None
    first, second = page["items"][0], rest["items"][0]
    assert set(first) == {"id", "status", "flight_id", "amount", "currency", "payment_id", "refund", "refund_due",
                          "tickets", "expires_at", "updated_at", "seats_lost", "change_payments", "change_kept"}
    assert (first["payment_id"], first["refund"], first["tickets"]) == (None, None, [])
    assert first["expires_at"] == pending["expires_at"]
    assert second["status"] == REFUNDED and second["payment_id"] == "pay-1"
    assert second["refund"] == {"refund_id": "re_1", "amount": ticketed["amount"]}
    assert second["tickets"] == ["9990000000001", "9990000000002"]
    assert second["updated_at"] >= first["updated_at"]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"after": "not-an-id"}])
def test_the_audit_refuses_a_bad_page(orders, query):
    with pytest.raises(InvalidInput):
        orders.audit(**query)


def test_a_one_flight_order_sold_while_track_is_away_takes_its_rules_when_cancelled(orders, store, track, dispatch):
    track.away = True
    order = orders.place(USER, BODY)
    assert "fares" not in order and store.find(order["id"])["fares_pending"]
    track.away = False
    orders.on_payment_succeeded({"order_id": order["id"], "payment_id": "pay-1", "amount": order["amount"]})
    orders.on_tickets_issued({"order_id": order["id"], "tickets": []})

    answer = orders.cancel(order["id"], USER)

    assert [fare["family"] for fare in answer["fares"]] == ["standard"]
    assert answer["refund_due"]["amount"] == order["amount"] - order["amount"] * 25 // 100


def test_a_cancellation_asked_again_keeps_the_terms_first_decided(orders, dispatch):
    order = ticketed_order(orders)
    first = orders.cancel(order["id"], USER)

    again = orders.cancel(order["id"], USER, reason="disruption")

    assert again["refund_due"] == first["refund_due"]
    assert {event["refund_amount"] for event in dispatch.of("order_cancelled")} == {first["refund_due"]["amount"]}
