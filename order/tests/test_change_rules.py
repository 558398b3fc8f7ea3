"""The price of a voluntary change (``order.change_rules``), and a quote for a disrupted
booking (its ``disruption`` set through order's store, on MongoDB)."""
import uuid
from datetime import timedelta

import pytest

from common.errors import Conflict
from order.change_rules import check_changeable, disruption_move_applies, family_of, price_change
from order.changes import Changes
from order.domain import TICKETED, iso, utcnow
from order.saga import Orders
from order.store import ChangeStore, OrderStore
from order.tests.fakes import Call, FakeTrack
from tests.helpers.fakes import Dispatcher, Services

STANDARD = {"changeable": True, "change_fee_percent": 10, "refundable": True}
FLEX = {"changeable": True, "change_fee_percent": 0, "refundable": True}
LIGHT = {"changeable": False, "change_fee_percent": 100, "refundable": False}


def test_same_price_on_a_flex_fare_costs_nothing():
    assert price_change(FLEX, [100_000, 100_000], 100_000, ["adult", "adult"]) == {
        "fee": 0, "fare_difference": 0, "amount_due": 0, "refund_due": 0}


def test_the_fee_is_the_family_percent_of_what_the_party_paid():
    priced = price_change(STANDARD, [100_000, 75_000], 100_000, ["adult", "child"])
    assert priced == {"fee": 17_500, "fare_difference": 0, "amount_due": 17_500, "refund_due": 0}


def test_a_dearer_flight_adds_the_party_difference_with_child_and_infant_shares():
    # adult 100 %, child 75 %, infant 10 % of the seat's fare, as booking prices them
    priced = price_change(FLEX, [100_000, 75_000, 10_000], 200_000, ["adult", "child", "infant"])
    assert priced["fare_difference"] == 200_000 + 150_000 + 20_000 - 185_000
    assert priced["amount_due"] == priced["fare_difference"] and priced["refund_due"] == 0


def test_a_cheaper_flight_refunds_the_residual_only_when_the_fare_is_refundable():
    assert price_change(STANDARD, [100_000], 80_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": -20_000, "amount_due": 10_000, "refund_due": 20_000}
    not_refundable = dict(STANDARD, refundable=False)
    assert price_change(not_refundable, [100_000], 80_000, ["adult"])["refund_due"] == 0


def test_a_disruption_move_is_free():
    assert price_change(STANDARD, [100_000], 300_000, ["adult"], move=True) == {
        "fee": 0, "fare_difference": 0, "amount_due": 0, "refund_due": 0}


def test_a_fare_that_forbids_changes_is_refused():
    with pytest.raises(Conflict) as refused:
        check_changeable(LIGHT, "light")
    assert refused.value.code == "CHANGE_NOT_ALLOWED"
    check_changeable(STANDARD, "standard")


def test_the_family_of_a_segment_defaults_to_standard():
    assert family_of({"flight_id": "f1"}, 0) == "standard"
    assert family_of({"segments": [{"fare": "flex"}, {}]}, 0) == "flex"
    assert family_of({"segments": [{"fare": "flex"}, {}]}, 1) == "standard"


def test_the_move_applies_only_before_until():
    until = utcnow() + timedelta(days=3)
    order = {"disruption": {"options": [{"type": "refund"}, {"type": "move", "until": iso(until)}]}}
    assert disruption_move_applies(order, iso(until - timedelta(hours=1)))
    assert not disruption_move_applies(order, iso(until + timedelta(hours=1)))
    assert not disruption_move_applies({"disruption": {"options": [{"type": "refund"}]}}, iso(until))
    assert not disruption_move_applies({}, iso(until))


# -- a quote on a real order store ----------------------------------------------------------

class FareTrack(FakeTrack):
    """track's ``get_flight`` and ``fare_quote``: ``fares`` maps a flight id to one seat's fare."""

    def __init__(self, rules):
        super().__init__()
        self.rules, self.fares = rules, {}

    @property
    def fare_quote(self):
        return Call(lambda flight_id, cabin_class, family: {
            "flight_id": flight_id, "class": cabin_class, "family": family, "amount": self.fares[flight_id],
            "currency": "IDR", "rules": self.rules})


def a_ticketed_order(store, flight_id, **fields):
    now = utcnow()
    order = {"_id": store.new_order_id(), "user_id": "u1", "flight_id": flight_id, "status": TICKETED,
             "amount": 100_000, "currency": "IDR", "expires_at": now, "booking_ref": uuid.uuid4().hex[:6].upper(),
             "passengers": [{"name": "Ada Lovelace", "seat": "6A", "class": "economy", "price": 100_000}],
             "tickets": [], "history": {TICKETED: iso(now)}, "created_at": now, **fields}
    return store.insert(order)


def test_a_disrupted_booking_moves_free_before_until_and_pays_after(db):
    track = FareTrack(LIGHT)  # even a fare that forbids changes moves free on a disruption
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-soon", departure_in=timedelta(days=3))
    track.schedule("f-late", departure_in=timedelta(days=9))
    track.fares.update({"f-old": 100_000, "f-soon": 250_000, "f-late": 100_000})
    store = OrderStore(db)
    order = a_ticketed_order(store, "f-old")
    # what the disruption branch will write on the order; set here through order's store
    store.add_events(order["_id"], [], set_fields={"disruption": {
        "reason": "flight_cancelled", "options": [{"type": "move", "until": iso(utcnow() + timedelta(days=5))},
                                                  {"type": "refund"}]}})
    changes = Changes(Orders(store, Services(track=track), Dispatcher()), ChangeStore(db), 900)

    free = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-soon"})
    assert (free["fee"], free["fare_difference"], free["amount_due"], free["refund_due"]) == (0, 0, 0, 0)
    assert free["disruption_move"] is True and free["status"] == "QUOTED"

    with pytest.raises(Conflict) as refused:  # after until: the fare's own rules, and light forbids it
        changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-late"})
    assert refused.value.code == "CHANGE_NOT_ALLOWED"
