"""The price of a voluntary change (``order.change_rules``), and quotes on order's real
store (MongoDB): priced under the rules the order was sold under (its ``fares``), not
the catalogue's current ones; a disrupted booking (its ``disruption`` set through
order's store) moved free."""
import uuid
from datetime import timedelta

import pytest

from common.errors import Conflict
from order.change_rules import (
    change_kept,
    changed_fares,
    check_changeable,
    disruption_move_applies,
    fare_of_class,
    price_change,
    sold_fares,
)
from order.changes import Changes
from order.domain import TICKETED, iso, utcnow
from order.saga import Orders
from order.store import ChangeStore, OrderStore
from order.tests.fakes import Call, FakeTrack
from tests.helpers.fakes import Dispatcher, Services

STANDARD = {"changeable": True, "change_fee_percent": 10, "refundable": True}
FLEX = {"changeable": True, "change_fee_percent": 0, "refundable": True}
LIGHT = {"changeable": False, "change_fee_percent": 100, "refundable": False}
RULES = {"standard": STANDARD, "flex": FLEX, "light": LIGHT}


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


def test_a_cheaper_flight_on_a_refundable_fare_nets_the_fee_and_the_residual_into_one_movement():
    # the residual exceeds the fee: only what is left of it is given back, nothing charged
    assert price_change(STANDARD, [100_000], 80_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": -20_000, "amount_due": 0, "refund_due": 10_000}
    # the fee exceeds the residual: only what is left of the fee is charged, nothing given back
    assert price_change(STANDARD, [100_000], 95_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": -5_000, "amount_due": 5_000, "refund_due": 0}
    # they cancel out: no money moves
    assert price_change(STANDARD, [100_000], 90_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": -10_000, "amount_due": 0, "refund_due": 0}
    # no fee: the residual back whole
    assert price_change(FLEX, [100_000, 75_000], 80_000, ["adult", "child"]) == {
        "fee": 0, "fare_difference": 80_000 + 60_000 - 175_000, "amount_due": 0, "refund_due": 35_000}


def test_a_cheaper_flight_on_a_non_refundable_fare_keeps_the_residual_and_charges_the_fee():
    not_refundable = dict(STANDARD, refundable=False)
    assert price_change(not_refundable, [100_000], 80_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": -20_000, "amount_due": 10_000, "refund_due": 0}
    assert price_change(not_refundable, [100_000], 120_000, ["adult"]) == {
        "fee": 10_000, "fare_difference": 20_000, "amount_due": 30_000, "refund_due": 0}


@pytest.mark.parametrize("rules", [STANDARD, FLEX, dict(STANDARD, refundable=False),
                                   dict(STANDARD, change_fee_percent=35)])
@pytest.mark.parametrize("new_seat_fare", [0, 50_000, 80_000, 90_000, 95_000, 100_000, 130_000])
def test_money_moves_one_way_and_the_airline_keeps_exactly_the_fee_and_a_kept_residual(rules, new_seat_fare):
    priced = price_change(rules, [100_000], new_seat_fare, ["adult"])
    assert priced["amount_due"] >= 0 and priced["refund_due"] >= 0
    assert priced["amount_due"] == 0 or priced["refund_due"] == 0  # one movement, never a charge and a refund
    kept_residual = 0 if rules["refundable"] else max(0, -priced["fare_difference"])
    assert change_kept(dict(priced, disruption_move=False)) == priced["fee"] + kept_residual
    # what the party holds afterwards: paid + charged - given back = new fare + kept
    assert 100_000 + priced["amount_due"] - priced["refund_due"] == new_seat_fare + priced["fee"] + kept_residual


def test_a_disruption_move_is_free():
    assert price_change(STANDARD, [100_000], 300_000, ["adult"], move=True) == {
        "fee": 0, "fare_difference": 0, "amount_due": 0, "refund_due": 0}


def test_a_change_keeps_its_fee_and_a_residual_the_fare_does_not_refund():
    dearer = price_change(STANDARD, [100_000], 120_000, ["adult"])
    assert change_kept(dict(dearer, disruption_move=False)) == 10_000  # the fee; the difference is in the tickets
    cheaper = price_change(STANDARD, [100_000], 80_000, ["adult"])
    assert change_kept(dict(cheaper, disruption_move=False)) == 10_000  # the residual goes back
    kept = price_change(dict(STANDARD, refundable=False), [100_000], 80_000, ["adult"])
    assert change_kept(dict(kept, disruption_move=False)) == 10_000 + 20_000
    assert change_kept(dict(price_change(STANDARD, [100_000], 80_000, ["adult"], move=True),
                            disruption_move=True)) == 0


def test_a_fare_that_forbids_changes_is_refused():
    with pytest.raises(Conflict) as refused:
        check_changeable(LIGHT, "light")
    assert refused.value.code == "CHANGE_NOT_ALLOWED"
    check_changeable(STANDARD, "standard")


def a_fare(segment, cabin_class, family, rules, flight_id="f1", amount=100_000):
    return {"segment": segment, "flight_id": flight_id, "class": cabin_class, "family": family,
            "family_name": family.capitalize(), "amount": amount, "currency": "IDR", "rules": rules}


def test_a_segment_is_priced_by_the_fares_the_order_keeps():
    order = {"fares": [a_fare(0, "business", "standard", STANDARD), a_fare(0, "economy", "standard", STANDARD),
                       a_fare(1, "economy", "flex", FLEX, flight_id="f2")]}
    assert [f["class"] for f in sold_fares(order, 0)] == ["business", "economy"]
    assert fare_of_class(sold_fares(order, 1), "economy")["family"] == "flex"
    assert fare_of_class(sold_fares(order, 1), "business") is None
    assert sold_fares({"flight_id": "f1"}, 0) == []  # kept without fares


def test_after_a_change_the_segment_holds_the_new_flights_fare():
    order = {"fares": [a_fare(0, "economy", "flex", FLEX), a_fare(1, "economy", "light", LIGHT, flight_id="f2")]}
    new = a_fare(0, "economy", "flex", FLEX, flight_id="f9", amount=120_000)
    assert changed_fares(order, 0, [new]) == [new, order["fares"][1]]
    assert changed_fares({}, 0, [new]) == [new]


def test_the_move_applies_only_before_until():
    until = utcnow() + timedelta(days=3)
    order = {"disruption": {"options": [{"type": "refund"}, {"type": "move", "until": iso(until)}]}}
    assert disruption_move_applies(order, 0, iso(until - timedelta(hours=1)))
    assert not disruption_move_applies(order, 0, iso(until + timedelta(hours=1)))
    assert not disruption_move_applies({"disruption": {"options": [{"type": "refund"}]}}, 0, iso(until))
    assert not disruption_move_applies({}, 0, iso(until))


def test_the_move_applies_to_the_disrupted_segment_or_either_of_a_broken_connection():
    until = iso(utcnow() + timedelta(days=3))
    soon = iso(utcnow() + timedelta(days=1))
    delayed = {"disruption": {"reason": "delay", "segment": 1, "options": [{"type": "move", "until": until}]}}
    assert disruption_move_applies(delayed, 1, soon)
    assert not disruption_move_applies(delayed, 0, soon)
    broken = {"disruption": {"reason": "connection_broken", "segment": 1,
                             "options": [{"type": "move", "until": until}]}}
    assert disruption_move_applies(broken, 0, soon) and disruption_move_applies(broken, 1, soon)


# -- a quote on a real order store ----------------------------------------------------------

class FareTrack(FakeTrack):
    """track's ``get_flight`` and ``fare_quotes``: ``fares`` maps a flight id to one seat's
    fare; every family is quoted under ``rules``, the catalogue's rules NOW."""

    def __init__(self, rules):
        super().__init__()
        self.rules, self.fares = rules, {}

    @property
    def fare_quotes(self):
        return Call(lambda segments: [
            {"flight_id": s["flight_id"], "flight_number": "GA1", "class": s["class"], "family": s["family"],
             "family_name": s["family"].capitalize(), "amount": self.fares[s["flight_id"]], "currency": "IDR",
             "rules": dict(self.rules)} for s in segments])


def a_ticketed_order(store, flight_id, sold=None, **fields):
    """A one-flight order ticketed at 100 000 and sold at the family ``sold``, whose rules
    (``RULES``) it keeps; ``sold=None``: kept without fares (sold before fare families)."""
    now = utcnow()
    fares = {"fares": [a_fare(0, "economy", sold, RULES[sold], flight_id)]} if sold else {}
    order = {"_id": store.new_order_id(), "user_id": "u1", "flight_id": flight_id, "status": TICKETED,
             "amount": 100_000, "currency": "IDR", "expires_at": now, "booking_ref": uuid.uuid4().hex[:6].upper(),
             "passengers": [{"name": "Ada Lovelace", "seat": "6A", "class": "economy", "price": 100_000}],
             "tickets": [], "history": {TICKETED: iso(now)}, "created_at": now, **fares, **fields}
    return store.insert(order)


def changes_on(db, track):
    store = OrderStore(db)
    return Changes(Orders(store, Services(track=track), Dispatcher()), ChangeStore(db), 900), store


def test_a_quote_follows_the_rules_the_order_was_sold_under_not_the_catalogue_now(db):
    track = FareTrack(FLEX)  # the catalogue now: changes free
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-new", departure_in=timedelta(days=4))
    track.fares.update({"f-old": 90_000, "f-new": 120_000})
    changes, store = changes_on(db, track)

    sold_standard = a_ticketed_order(store, "f-old", sold="standard")
    quoted = changes.quote(sold_standard["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    # its own 10 % fee; the new flight at the same family as track quotes it now (120 000)
    assert (quoted["fee"], quoted["fare_difference"], quoted["amount_due"]) == (10_000, 20_000, 30_000)
    assert quoted["family"] == "standard"
    # what the order will keep for the segment once the change is done: the new flight's fare
    assert changes.store.find(quoted["id"])["new_fares"] == [
        {"segment": 0, "flight_id": "f-new", "class": "economy", "family": "standard", "family_name": "Standard",
         "amount": 120_000, "currency": "IDR", "rules": FLEX}]

    sold_light = a_ticketed_order(store, "f-old", sold="light")
    with pytest.raises(Conflict) as refused:
        changes.quote(sold_light["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    assert refused.value.code == "CHANGE_NOT_ALLOWED"


def test_an_order_kept_without_fares_is_priced_at_standard_as_track_quotes_it_now(db):
    track = FareTrack(STANDARD)
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-new", departure_in=timedelta(days=4))
    track.fares.update({"f-old": 100_000, "f-new": 80_000})
    changes, store = changes_on(db, track)
    order = a_ticketed_order(store, "f-old")

    quoted = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-new"})
    # standard is refundable: the 20 000 residual pays the 10 000 fee, 10 000 goes back
    assert (quoted["family"], quoted["fee"], quoted["amount_due"], quoted["refund_due"]) == (
        "standard", 10_000, 0, 10_000)


def test_a_disrupted_booking_moves_free_before_until_and_pays_after(db):
    track = FareTrack(FLEX)  # the catalogue now allows changes; the order was sold at light, which does not
    track.schedule("f-old", departure_in=timedelta(days=2))
    track.schedule("f-soon", departure_in=timedelta(days=3))
    track.schedule("f-late", departure_in=timedelta(days=9))
    track.fares.update({"f-old": 100_000, "f-soon": 250_000, "f-late": 100_000})
    changes, store = changes_on(db, track)
    order = a_ticketed_order(store, "f-old", sold="light")
    # what the disruption branch will write on the order; set here through order's store
    store.add_events(order["_id"], [], set_fields={"disruption": {
        "reason": "flight_cancelled", "options": [{"type": "move", "until": iso(utcnow() + timedelta(days=5))},
                                                  {"type": "refund"}]}})

    free = changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-soon"})
    assert (free["fee"], free["fare_difference"], free["amount_due"], free["refund_due"]) == (0, 0, 0, 0)
    assert free["disruption_move"] is True and free["status"] == "QUOTED"

    with pytest.raises(Conflict) as refused:  # after until: the fare's own rules, and light forbids it
        changes.quote(order["_id"], "u1", {"segment": 0, "flight_id": "f-late"})
    assert refused.value.code == "CHANGE_NOT_ALLOWED"
