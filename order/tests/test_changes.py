"""The change saga's steps on order's real store (MongoDB) with ticket and track stood in:
a confirmation stopped half way (ticket not answering) is finished by the resume timer,
once; a repeat answers the same; the order's fares are then the new flight's."""
from datetime import timedelta

import pytest

from common.errors import Conflict, InvalidInput, PaymentDeclined, ServiceUnavailable
from order.changes import Changes
from order.saga import Orders
from order.store import ChangeStore, OrderStore
from order.tests.test_change_rules import FLEX, STANDARD, FareTrack, a_ticketed_order
from tests.helpers.fakes import Dispatcher, Services


class FlakyTicket:
    """``exchange_tickets``: away while ``away``; remembers each change id it exchanged."""

    def __init__(self):
        self.away, self.calls, self.done = True, [], {}

    def exchange_tickets(self, change_id, order_id, old_flight_id, new_flight_id, cabin_class, moves, fares=None):
        self.calls.append(change_id)
        if self.away:
            raise ServiceUnavailable("ticket is not answering")
        new_seat = moves[0]["new_seat"] or "9F"
        ticket = {"number": "9990000000099", "order_id": order_id, "flight_id": new_flight_id,
                  "passenger_name": "Ada Lovelace", "seat": new_seat, "class": cabin_class,
                  "fare": (fares or {}).get("adult", 100_000),
                  "currency": "IDR", "status": "issued", "issued_at": "2026-12-01T00:00:00+00:00"}
        return self.done.setdefault(change_id, {
            "change_id": change_id, "order_id": order_id, "old_flight_id": old_flight_id,
            "new_flight_id": new_flight_id, "exchanged": ["9990000000001"], "issued": [ticket["number"]],
            "seats": [{"seat": moves[0]["seat"], "new_seat": new_seat}], "tickets": [ticket]})


class FakePayment:
    """payment's change RPCs: one payment per change id; ``4000000000000002`` declined,
    ``away`` not answering (the outcome unknown, nothing recorded)."""

    def __init__(self):
        self.payments, self.refunded, self.residuals, self.away = {}, [], {}, False

    def charge_change(self, order_id, user_id, change_id, amount, currency, card):
        if self.away:
            raise ServiceUnavailable("payment is not answering")
        payment = self.payments.setdefault(change_id, {
            "id": f"p-{change_id}", "order_id": order_id, "change_id": change_id, "amount": amount,
            "status": "failed" if card["card_number"] == "4000000000000002" else "succeeded"})
        if payment["status"] == "failed":
            raise PaymentDeclined("The card was declined.")
        return dict(payment)

    def change_payment(self, change_id):
        return self.payments.get(change_id)

    def refund_change(self, change_id):
        if change_id in self.payments and change_id not in self.refunded:
            self.refunded.append(change_id)

    def refund_residual(self, order_id, change_id, amount):
        if self.away:
            raise ServiceUnavailable("payment is not answering")
        return self.residuals.setdefault(change_id, amount)


GOOD_CARD = {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}


@pytest.fixture
def world(db):
    track = FareTrack(FLEX)
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-new", departure_in=timedelta(days=4))
    track.fares.update({"f-old": 100_000, "f-new": 100_000})
    ticket, dispatch, store = FlakyTicket(), Dispatcher(), OrderStore(db)
    changes = Changes(Orders(store, Services(track=track, ticket=ticket, payment=FakePayment()), dispatch),
                      ChangeStore(db), 900)
    return changes, store, ticket, dispatch


@pytest.fixture
def dearer(world):
    """A standard fare (10 % fee) moved to a flight 20 000 dearer: 30 000 due."""
    changes, store, ticket, _ = world
    changes.services.track.rules = dict(STANDARD)
    changes.services.track.fares["f-new"] = 120_000
    ticket.away = False
    order = a_ticketed_order(store, "f-old", sold="standard")
    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    assert (quoted["fee"], quoted["fare_difference"], quoted["amount_due"]) == (10_000, 20_000, 30_000)
    return order, quoted


def test_a_change_with_money_due_wants_a_card(world, dearer):
    changes, store, _, _ = world
    order, quoted = dearer
    with pytest.raises(InvalidInput) as missing:
        changes.confirm(order["_id"], quoted["id"], "u1")
    assert "card" in missing.value.details["fields"]
    assert changes.store.find(quoted["id"])["status"] == "QUOTED"


def test_a_change_paid_by_card_holds_the_new_fare_and_keeps_the_fee(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    confirmed = changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    assert confirmed["status"] == "CONFIRMED"
    again = changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    assert again == confirmed and len(changes.services.payment.payments) == 1

    changed = store.find(order["_id"])
    assert changed["amount"] == 130_000 and changed["change_kept"] == 10_000
    assert changed["change_payments"] == [f"p-{quoted['id']}"]
    assert changed["passengers"][0]["price"] == 120_000 and changed["tickets"][0]["fare"] == 120_000
    assert changed["changes"][quoted["id"]]["payment_id"] == f"p-{quoted['id']}"


def test_booking_changed_carries_what_its_email_tells(world, dearer):
    """The old and new flights as quoted, the new tickets as the order keeps them, the money
    moved: notify mails the change from the event, asking nobody for each fact."""
    changes, store, _, dispatch = world
    order, quoted = dearer
    changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    [(kind, payload)] = dispatch.events
    flights = changes.services.track.flights
    assert kind == "booking_changed"
    assert (payload["order_id"], payload["booking_ref"], payload["user_id"], payload["change_id"]) == (
        order["_id"], order["booking_ref"], "u1", quoted["id"])
    assert (payload["old_flight_id"], payload["new_flight_id"], payload["segment"]) == ("f-old", "f-new", 0)
    for key, flight_id in (("old_flight", "f-old"), ("new_flight", "f-new")):
        assert payload[key] == {field: flights[flight_id][field] for field in (
            "flight_number", "origin", "destination", "departure_at", "arrival_at")}
    assert payload["ticket_numbers"] == ["9990000000099"] and payload["exchanged"] == ["9990000000001"]
    assert payload["tickets"] == store.find(order["_id"])["tickets"]
    assert (payload["currency"], payload["fee"], payload["fare_difference"], payload["amount_due"],
            payload["refund_due"], payload["disruption_move"]) == ("IDR", 10_000, 20_000, 30_000, 0, False)


def test_a_declined_card_fails_the_change_and_changes_nothing(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    with pytest.raises(PaymentDeclined):
        changes.confirm(order["_id"], quoted["id"], "u1", dict(GOOD_CARD, card_number="4000000000000002"))
    assert changes.store.find(quoted["id"])["status"] == "FAILED"
    assert ticket.calls == [] and store.find(order["_id"])["amount"] == 100_000


def test_a_refused_exchange_after_the_charge_gives_the_charge_back_once(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer

    def refuse(*args, **kwargs):
        raise Conflict("Seats already taken: 9F.", code="SEAT_UNAVAILABLE")
    ticket.exchange_tickets = refuse

    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
        assert refused.value.code == "SEAT_UNAVAILABLE"
    failed = changes.store.find(quoted["id"])
    assert failed["status"] == "FAILED" and failed["refunded"] and failed["refusal"]["code"] == "SEAT_UNAVAILABLE"
    assert changes.services.payment.refunded == [quoted["id"]]
    assert store.find(order["_id"])["amount"] == 100_000


def test_a_confirmation_that_stopped_after_the_charge_is_finished_by_the_resume_timer(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    ticket.away = True
    with pytest.raises(ServiceUnavailable):
        changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    assert changes.store.find(quoted["id"])["payment_id"] == f"p-{quoted['id']}"

    ticket.away = False
    assert changes.resume(older_than_seconds=0) == 1
    assert changes.store.find(quoted["id"])["status"] == "CONFIRMED"
    assert store.find(order["_id"])["amount"] == 130_000 and len(changes.services.payment.payments) == 1


def test_a_confirmation_that_stopped_before_any_charge_is_failed_by_the_resume_timer(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    changes.services.payment.away = True
    with pytest.raises(ServiceUnavailable):
        changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    with pytest.raises(ServiceUnavailable):  # a repeat without the card waits for the one that has it
        changes.confirm(order["_id"], quoted["id"], "u1")

    changes.services.payment.away = False
    assert changes.resume(older_than_seconds=0) == 1  # the card is not kept: nothing can be charged now
    failed = changes.store.find(quoted["id"])
    assert failed["status"] == "FAILED" and failed["error"]["code"] == "CHANGE_NOT_PAID"
    assert ticket.calls == [] and store.find(order["_id"])["amount"] == 100_000


def test_a_confirmation_stopped_half_way_is_finished_once_by_the_resume_timer(world):
    changes, store, ticket, dispatch = world
    order = a_ticketed_order(store, "f-old", sold="flex")
    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new", "seats": ["7C"]})
    assert quoted["amount_due"] == 0 and quoted["seats"] == ["7C"]

    with pytest.raises(ServiceUnavailable):
        changes.confirm(order["_id"], quoted["id"], "u1")
    assert changes.store.find(quoted["id"])["status"] == "CONFIRMING"
    assert store.find(order["_id"])["flight_id"] == "f-old"

    ticket.away = False
    assert changes.resume(older_than_seconds=0) == 1
    changed = store.find(order["_id"])
    assert changed["flight_id"] == "f-new" and changed["passengers"][0]["seat"] == "7C"
    assert [t["number"] for t in changed["tickets"]] == ["9990000000099"]
    assert list(changed["changes"]) == [quoted["id"]] and changed["outbox_pending"] == 0
    [fare] = changed["fares"]  # what the segment holds now: flex on the new flight
    assert (fare["segment"], fare["flight_id"], fare["family"], fare["rules"]) == (0, "f-new", "flex", FLEX)
    assert [kind for kind, _ in dispatch.events] == ["booking_changed"]

    again = changes.confirm(order["_id"], quoted["id"], "u1")
    assert again["status"] == "CONFIRMED" and again["tickets"] == ["9990000000099"]
    assert changes.resume(older_than_seconds=0) == 0
    assert [kind for kind, _ in dispatch.events] == ["booking_changed"]
    assert set(ticket.calls) == {quoted["id"]}


def test_a_refused_exchange_fails_the_change_and_changes_nothing(world):
    changes, store, ticket, _ = world
    order = a_ticketed_order(store, "f-old", sold="flex")
    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})

    def refuse(*args, **kwargs):
        raise Conflict("Seats already taken: 9F.", code="SEAT_UNAVAILABLE")
    ticket.exchange_tickets = refuse

    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            changes.confirm(order["_id"], quoted["id"], "u1")
        assert refused.value.code == "SEAT_UNAVAILABLE"
    assert changes.store.find(quoted["id"])["status"] == "FAILED"
    assert store.find(order["_id"])["flight_id"] == "f-old"
    assert store.find(order["_id"])["fares"] == order["fares"]


def test_an_order_sold_while_track_was_away_holds_the_new_flights_standard_fare_after_a_change(world):
    changes, store, ticket, _ = world
    ticket.away = False
    order = a_ticketed_order(store, "f-old", fares_pending=True)  # no fares kept: track did not answer

    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    assert quoted["family"] == "standard" and quoted["amount_due"] == 0  # the standard rules track answers: FLEX
    assert changes.confirm(order["_id"], quoted["id"], "u1")["status"] == "CONFIRMED"

    changed = store.find(order["_id"])
    assert [(f["flight_id"], f["class"], f["family"]) for f in changed["fares"]] == [("f-new", "economy", "standard")]
    assert not changed["fares_pending"]


def test_a_cancellation_waits_for_a_change_being_confirmed(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    changes.services.payment.away = True
    with pytest.raises(ServiceUnavailable):
        changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    assert store.find(order["_id"])["changing"] == quoted["id"]

    with pytest.raises(Conflict) as waiting:
        changes.orders.cancel(order["_id"], "u1")
    assert waiting.value.code == "CHANGE_IN_PROGRESS"

    changes.services.payment.away = False
    assert changes.resume(older_than_seconds=0) == 1  # ended unpaid: the mark goes with it
    assert "changing" not in store.find(order["_id"])
    assert changes.orders.cancel(order["_id"], "u1")["cancellation_requested_at"]


def test_a_change_of_a_booking_being_cancelled_fails_before_anything_is_charged(world, dearer):
    changes, store, ticket, _ = world
    order, quoted = dearer
    changes.orders.cancel(order["_id"], "u1")
    with pytest.raises(Conflict) as refused:
        changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD)
    assert refused.value.code == "ORDER_NOT_TICKETED"
    assert changes.services.payment.payments == {} and ticket.calls == []
    assert changes.store.find(quoted["id"])["status"] == "FAILED"


def test_a_cheaper_flight_gives_the_residual_back_once_after_the_exchange(world):
    changes, store, ticket, _ = world
    changes.services.track.fares["f-new"] = 80_000
    ticket.away = False
    order = a_ticketed_order(store, "f-old", sold="flex")  # refundable, changes free
    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    assert (quoted["amount_due"], quoted["refund_due"]) == (0, 20_000)

    changes.services.payment.away = True  # the refund is not confirmed: the change waits
    with pytest.raises(ServiceUnavailable):
        changes.confirm(order["_id"], quoted["id"], "u1")
    assert store.find(order["_id"])["amount"] == 100_000
    changes.services.payment.away = False
    assert changes.resume(older_than_seconds=0) == 1

    changed = store.find(order["_id"])
    assert changes.services.payment.residuals == {quoted["id"]: 20_000}
    assert changed["amount"] == 80_000 and changed["change_kept"] == 0
    assert changed["passengers"][0]["price"] == 80_000 and changed["tickets"][0]["fare"] == 80_000


@pytest.mark.parametrize(("new_fare", "charged", "given_back"), [
    (80_000, 0, 10_000),  # the 20 000 residual pays the 10 000 fee: 10 000 back, nothing charged
    (95_000, 5_000, 0),   # the 5 000 residual pays half the fee: 5 000 charged, nothing back
])
def test_a_cheaper_flight_with_a_fee_moves_the_money_once_netted(world, new_fare, charged, given_back):
    changes, store, ticket, dispatch = world
    changes.services.track.rules = dict(STANDARD)  # refundable, 10 % to change
    changes.services.track.fares["f-new"] = new_fare
    ticket.away = False
    order = a_ticketed_order(store, "f-old", sold="standard")
    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    assert (quoted["fee"], quoted["fare_difference"], quoted["amount_due"], quoted["refund_due"]) == (
        10_000, new_fare - 100_000, charged, given_back)

    confirmed = changes.confirm(order["_id"], quoted["id"], "u1", GOOD_CARD if charged else None)
    assert confirmed["status"] == "CONFIRMED"
    payment = changes.services.payment
    assert [p["amount"] for p in payment.payments.values()] == ([charged] if charged else [])
    assert payment.residuals == ({quoted["id"]: given_back} if given_back else {})
    changed = store.find(order["_id"])
    assert changed["amount"] == 100_000 + charged - given_back == new_fare + 10_000
    assert changed["change_kept"] == 10_000 and changed["tickets"][0]["fare"] == new_fare
