"""Seat squatting: one customer's unpaid seats are bounded per flight and across flights."""
import pytest

from common.errors import Conflict
from order.domain import check_unpaid_seats, seats_asked, seats_held
from order.saga import Orders
from order.tests.conftest import USER
from tests.helpers.fakes import Dispatcher, Services

TWO = {"flight_id": "flight-1", "passengers": [{"name": "Ada Lovelace"}, {"name": "Bo Ek"}]}


@pytest.fixture
def limited(store, ticket, track):
    track.schedule("flight-2")
    return Orders(store, Services(ticket=ticket, track=track), Dispatcher(), unpaid_seat_limits=(4, 6))


def test_seats_are_counted_per_flight_infants_aside():
    assert seats_asked(TWO) == {"flight-1": 2}
    itinerary = {"segments": [{"flight_id": "f1"}, {"flight_id": "f2"}],
                 "passengers": [{"type": "adult"}, {"type": "infant"}, {"type": "child"}]}
    assert seats_asked(itinerary) == {"f1": 2, "f2": 2}
    stored = {"segments": [{}, {}], "flight_ids": ["f1", "f2"], "passengers": [
        {"segments": [{"seat": "1A"}, {"seat": "2A"}]}, {"segments": [{"seat": None}, {"seat": None}]}]}
    assert seats_held(stored) == {"f1": 1, "f2": 1}


def test_the_rule_counts_what_is_held_and_what_is_asked():
    check_unpaid_seats({"f1": 2}, {"f1": 2}, per_flight=4, in_total=6)
    with pytest.raises(Conflict) as crowded:
        check_unpaid_seats({"f1": 3}, {"f1": 2}, per_flight=4, in_total=6)
    assert crowded.value.code == "TOO_MANY_UNPAID_SEATS" and crowded.value.details["flights_over"] == ["f1"]
    with pytest.raises(Conflict):
        check_unpaid_seats({"f1": 4, "f2": 1}, {"f3": 2}, per_flight=4, in_total=6)


def test_a_customer_cannot_hold_more_unpaid_seats_than_the_limit(limited, store):
    limited.place(USER, TWO)
    limited.place(USER, TWO)
    with pytest.raises(Conflict) as refused:
        limited.place(USER, TWO)
    assert refused.value.details["held"] == {"flight-1": 4}
    assert len(store.orders) == 2  # nothing held, nothing stored
    # another flight is fine up to the total, then refused
    limited.place(USER, dict(TWO, flight_id="flight-2"))
    with pytest.raises(Conflict):
        limited.place(USER, dict(TWO, flight_id="flight-2"))
    # paying (or an order lapsing) frees the room again
    first = next(iter(store.orders.values()))
    limited.on_payment_succeeded({"order_id": first["_id"], "payment_id": "pay-1", "amount": first["amount"]})
    limited.place(USER, TWO)
    # another customer is not affected
    limited.place("user-2", TWO)
