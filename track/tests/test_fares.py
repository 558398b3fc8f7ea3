"""Fare family rules as plain functions: the two fares shapes, the catalogue checks, quotes,
party prices and per-family lows."""
import uuid

import pytest

from common.errors import Conflict, InvalidInput
from track import fares
from track.fare_schemas import FareFamilyInput
from track.models import Flight
from track.schemas import FlightInput

RANKS = {"light": 1, "standard": 2, "flex": 3}
STANDARD = {"code": "standard", "name": "Standard", "refundable": True, "refund_fee_percent": 25,
            "changeable": True, "change_fee_percent": 10, "free_seat_choice": False, "checked_bag_kg": 20}


def test_one_price_per_cabin_means_the_standard_family():
    assert fares.by_family({"economy": 1250000, "business": {"standard": 4500000, "flex": 5000000}}) == {
        "economy": {"standard": 1250000}, "business": {"standard": 4500000, "flex": 5000000}}
    assert fares.standard_fares({"economy": {"light": 900, "standard": 1000}}) == {"economy": 1000}


def test_the_flight_input_accepts_both_shapes_and_refuses_odd_amounts():
    base = {"flight_number": "GA408", "airplane_id": "a1", "origin": "CGK", "destination": "DPS",
            "departure_at": "2026-12-01T01:00:00+00:00", "arrival_at": "2026-12-01T02:50:00+00:00",
            "currency": "IDR"}
    assert FlightInput().load({**base, "fares": {"economy": 1250000}})["fares"] == {"economy": 1250000}
    loaded = FlightInput().load({**base, "fares": {"economy": {"light": 1, "standard": 2}}})
    assert loaded["fares"] == {"economy": {"light": 1, "standard": 2}}
    for bad in ({"economy": {}}, {"economy": {"Light!": 5}}, {"economy": {"light": 0}}, {"economy": True},
                {"economy": {"light": "5"}}, {"economy": "cheap"}):
        assert FlightInput().validate({**base, "fares": bad}), bad


@pytest.mark.parametrize("prices, problem", [
    ({"economy": {"light": 1, "gold": 2, "standard": 3}}, "Unknown fare family: gold"),
    ({"economy": {"light": 1, "flex": 3}}, "needs a standard fare"),
    ({"economy": {"light": 5, "standard": 4}}, "standard may not cost less than light"),
    ({"economy": {"standard": 5, "flex": 4}}, "flex may not cost less than standard"),
])
def test_families_must_be_known_have_standard_and_never_cost_less_higher_up(prices, problem):
    with pytest.raises(InvalidInput) as raised:
        fares.check_families(prices, RANKS)
    assert raised.value.code == "FARE_FAMILIES_MISMATCH"
    assert problem in raised.value.details["fields"]["fares"]["economy"][0]


def test_equal_prices_and_a_subset_of_families_are_fine():
    fares.check_families({"economy": {"light": 5, "standard": 5}, "business": {"standard": 9}}, RANKS)


def flight(**prices):
    return Flight(id=uuid.uuid4(), flight_number="GA408", currency="IDR",
                  fares_by_family=prices or {"economy": {"light": 900, "standard": 1000}})


def test_a_quote_is_one_seat_of_the_family_with_its_rules():
    sold = flight()
    quote = fares.quote(sold, "economy", STANDARD)
    assert quote == {"flight_id": str(sold.id), "flight_number": "GA408", "class": "economy",
                     "family": "standard", "family_name": "Standard", "amount": 1000, "currency": "IDR",
                     "rules": {name: STANDARD[name] for name in fares.RULES}}


def test_a_quote_for_a_cabin_or_family_the_flight_does_not_sell_is_refused():
    for cabin, family in (("business", STANDARD), ("economy", dict(STANDARD, code="flex"))):
        with pytest.raises(Conflict) as raised:
            fares.quote(flight(), cabin, family)
        assert raised.value.code == "FARE_NOT_OFFERED"
    with pytest.raises(InvalidInput) as raised:
        fares.catalogue_family({"standard": STANDARD}, "gold")
    assert raised.value.code == "UNKNOWN_FARE_FAMILY"


def test_party_prices_sum_the_legs_and_keep_families_every_leg_sells():
    legs = [{"light": 100, "standard": 150, "flex": 200}, {"standard": 80, "flex": 120}]
    assert fares.party_prices(legs, ["light", "standard", "flex"], 3) == [
        {"family": "standard", "per_passenger": 230, "total": 690},
        {"family": "flex", "per_passenger": 320, "total": 960}]
    assert fares.party_prices([{"light": 1}, {"flex": 2}], ["light", "standard", "flex"], 1) == []


def test_lowest_by_family_takes_cabins_with_room_for_the_party():
    prices = {"economy": {"light": 100, "standard": 150}, "business": {"standard": 400, "flex": 500}}
    seats = {"economy": 1, "business": 4}
    assert fares.lowest_by_family(prices, seats, 1) == {
        "light": {"class": "economy", "amount": 100}, "standard": {"class": "economy", "amount": 150},
        "flex": {"class": "business", "amount": 500}}
    assert fares.lowest_by_family(prices, seats, 2) == {
        "standard": {"class": "business", "amount": 400}, "flex": {"class": "business", "amount": 500}}
    assert fares.lowest_by_family(prices, seats, 1, "business") == fares.lowest_by_family(prices, seats, 2)
    day = "2026-12-01"
    assert fares.day_lowest_by_family([(day, {"light": {"amount": 5}}), (day, {"light": {"amount": 3}})]) == {
        day: {"light": {"amount": 3}}}


def test_family_rules_input_keeps_fees_consistent():
    rules = {name: STANDARD[name] for name in fares.RULES}
    assert FareFamilyInput().validate({**rules, "name": "Standard"}) == {}
    assert "refund_fee_percent" in FareFamilyInput().validate({**rules, "name": "S", "refundable": False})
    assert "change_fee_percent" in FareFamilyInput().validate({**rules, "name": "S", "changeable": False})
    assert "refund_fee_percent" in FareFamilyInput().validate({**rules, "name": "S", "refund_fee_percent": 101})
