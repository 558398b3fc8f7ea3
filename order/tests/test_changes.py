"""The change saga's steps on order's real store (MongoDB) with ticket and track stood in:
a confirmation stopped half way (ticket not answering) is finished by the resume timer,
once; a repeat answers the same; the order's fares are then the new flight's."""
from datetime import timedelta

import pytest

from common.errors import Conflict, ServiceUnavailable
from order.changes import Changes
from order.saga import Orders
from order.store import ChangeStore, OrderStore
from order.tests.test_change_rules import FLEX, FareTrack, a_ticketed_order
from tests.helpers.fakes import Dispatcher, Services


class FlakyTicket:
    """``exchange_tickets``: away while ``away``; remembers each change id it exchanged."""

    def __init__(self):
        self.away, self.calls, self.done = True, [], {}

    def exchange_tickets(self, change_id, order_id, old_flight_id, new_flight_id, cabin_class, moves):
        self.calls.append(change_id)
        if self.away:
            raise ServiceUnavailable("ticket is not answering")
        new_seat = moves[0]["new_seat"] or "9F"
        ticket = {"number": "9990000000099", "order_id": order_id, "flight_id": new_flight_id,
                  "passenger_name": "Ada Lovelace", "seat": new_seat, "class": cabin_class, "fare": 100_000,
                  "currency": "IDR", "status": "issued", "issued_at": "2026-12-01T00:00:00+00:00"}
        return self.done.setdefault(change_id, {
            "change_id": change_id, "order_id": order_id, "old_flight_id": old_flight_id,
            "new_flight_id": new_flight_id, "exchanged": ["9990000000001"], "issued": [ticket["number"]],
            "seats": [{"seat": moves[0]["seat"], "new_seat": new_seat}], "tickets": [ticket]})


@pytest.fixture
def world(db):
    track = FareTrack(FLEX)
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-new", departure_in=timedelta(days=4))
    track.fares.update({"f-old": 100_000, "f-new": 100_000})
    ticket, dispatch, store = FlakyTicket(), Dispatcher(), OrderStore(db)
    changes = Changes(Orders(store, Services(track=track, ticket=ticket), dispatch), ChangeStore(db), 900)
    return changes, store, ticket, dispatch


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

    def refuse(*args):
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
