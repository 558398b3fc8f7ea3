"""Fare families through the gateway: the catalogue and its rules, a flight's prices per
family (the old one-price shape still meaning standard), an admin changing them, search
and the calendar showing them, and ``track.fare_quote`` as order will call it."""
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput, NotFound
from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import new_session
from tests.helpers.fleet import create_airplane, flight_body, schedule_flight

FAMILIES = {"economy": {"light": 990000, "standard": 1250000, "flex": 1900000},
            "business": {"standard": 4500000, "flex": 5200000}}
RULES = ("refundable", "refund_fee_percent", "changeable", "change_fee_percent", "free_seat_choice",
         "checked_bag_kg")



def at_utc(days_ahead, hour):
    day = (datetime.now(UTC) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_the_catalogue_lists_light_standard_flex_with_their_rules(system):
    answer = system.http.get("/fare-families")
    assert answer.status_code == 200, answer.text
    families = {family["code"]: family for family in answer.json()["items"]}
    assert [family["code"] for family in answer.json()["items"]] == ["light", "standard", "flex"]
    assert {name: families["light"][name] for name in ("refundable", "changeable", "free_seat_choice")} == {
        "refundable": False, "changeable": False, "free_seat_choice": False}
    assert families["standard"]["refundable"] and families["standard"]["refund_fee_percent"] == 25
    assert families["flex"]["refund_fee_percent"] == 0 and families["flex"]["free_seat_choice"]


def test_an_admin_changes_a_familys_rules_and_nobody_else_can(system, admin):
    flex = next(f for f in system.http.get("/fare-families").json()["items"] if f["code"] == "flex")
    body = {"name": "Flex", **{name: flex[name] for name in RULES}}
    try:
        changed = admin.put("/fare-families/flex", json=dict(body, checked_bag_kg=40))
        assert changed.status_code == 200, changed.text
        assert changed.json()["checked_bag_kg"] == 40 and changed.json()["rank"] == flex["rank"]
        listed = {f["code"]: f for f in system.http.get("/fare-families").json()["items"]}
        assert listed["flex"]["checked_bag_kg"] == 40
    finally:
        assert admin.put("/fare-families/flex", json=body).status_code == 200
    assert_error(admin.put("/fare-families/gold", json=body), 404)
    refused = assert_error(admin.put("/fare-families/flex", json=dict(body, refundable=False)), 400)
    assert "refund_fee_percent" in refused["details"]["fields"]
    _, tokens = new_session(system.http)
    assert_error(system.http.as_user(tokens["access_token"]).put("/fare-families/flex", json=body), 403)
    assert_error(system.http.put("/fare-families/flex", json=body), 401)


def test_one_price_per_cabin_is_the_standard_family(system, admin):
    flight = schedule_flight(admin, create_airplane(admin), at_utc(51, 2), origin="CGK", destination="PLM")
    assert flight["fares"] == {"economy": 1250000, "business": 4500000}
    assert flight["fares_by_family"] == {"economy": {"standard": 1250000}, "business": {"standard": 4500000}}
    assert system.http.get(f"/flights/{flight['id']}").json()["fares_by_family"] == flight["fares_by_family"]


def test_prices_per_family_are_set_at_scheduling_and_checked_against_the_catalogue(admin):
    flight = schedule_flight(admin, create_airplane(admin), at_utc(52, 2), origin="CGK", destination="PLM",
                             fares=FAMILIES)
    assert flight["fares"] == {"economy": 1250000, "business": 4500000}
    assert flight["fares_by_family"] == FAMILIES
    airplane = create_airplane(admin)
    for fares, problem in (({"economy": {"light": 1, "flex": 2}, "business": 3}, "standard"),
                           ({"economy": {"standard": 5, "flex": 4}, "business": 3}, "flex may not cost less"),
                           ({"economy": {"standard": 5, "gold": 9}, "business": 3}, "Unknown fare family")):
        refused = admin.post("/flights", json=flight_body(airplane, at_utc(53, 2), fares=fares))
        body = assert_error(refused, 400, "FARE_FAMILIES_MISMATCH")
        assert problem in body["details"]["fields"]["fares"]["economy"][0], body
    shape = admin.post("/flights", json=flight_body(airplane, at_utc(53, 2), fares={"economy": {"light": "x"}}))
    assert "fares" in assert_error(shape, 400)["details"]["fields"]


def test_an_admin_sets_a_flights_prices_until_it_stops_selling(system, admin):
    flight = schedule_flight(admin, create_airplane(admin), at_utc(54, 2), origin="CGK", destination="PLM")
    path = f"/flights/{flight['id']}/fares"
    changed = admin.put(path, json={"fares": FAMILIES})
    assert changed.status_code == 200, changed.text
    assert changed.json()["fares_by_family"] == FAMILIES and changed.json()["fares"]["economy"] == 1250000
    assert system.http.get(f"/flights/{flight['id']}").json()["fares_by_family"] == FAMILIES
    back = admin.put(path, json={"fares": {"economy": 1300000, "business": 4600000}})
    assert back.json()["fares_by_family"] == {"economy": {"standard": 1300000}, "business": {"standard": 4600000}}
    mismatch = assert_error(admin.put(path, json={"fares": {"economy": 1}}), 400, "FARES_MISMATCH")
    assert "business" in mismatch["details"]["fields"]["fares"]
    assert_error(admin.put("/flights/no-such-flight/fares", json={"fares": FAMILIES}), 404)
    _, tokens = new_session(system.http)
    assert_error(system.http.as_user(tokens["access_token"]).put(path, json={"fares": FAMILIES}), 403)
    cancelled = admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    assert_error(admin.put(path, json={"fares": FAMILIES}), 409, "FLIGHT_CLOSED")


def test_search_and_the_calendar_show_prices_per_family(system, admin):
    departure = at_utc(55, 3)
    flight = schedule_flight(admin, create_airplane(admin), departure, origin="PKU", destination="BTH",
                             fares=FAMILIES)
    day = departure.date().isoformat()  # 03:00Z is 10:00 at PKU (UTC+7): the same date

    def listed():
        items = system.http.get("/flights", params={"origin": "PKU", "destination": "BTH", "date": day}).json()
        return next((item for item in items["items"] if item["id"] == flight["id"]), None)

    offer = wait_until(listed, timeout=30, step=0.3, what="the flight in search")
    assert offer["fares_by_family"] == FAMILIES
    assert offer["lowest_fare"] == {"class": "economy", "amount": 1250000, "currency": "IDR"}
    calendar = system.http.get("/flights/calendar", params={"origin": "PKU", "destination": "BTH", "from": day,
                                                            "to": day}).json()
    assert calendar["days"][0]["lowest_by_family"] == {
        "light": {"class": "economy", "amount": 990000, "currency": "IDR"},
        "standard": {"class": "economy", "amount": 1250000, "currency": "IDR"},
        "flex": {"class": "economy", "amount": 1900000, "currency": "IDR"}}


def test_fare_quote_gives_one_seats_fare_its_currency_and_the_rules_it_sells_under(system, admin):
    flight = schedule_flight(admin, create_airplane(admin), at_utc(56, 2), origin="CGK", destination="PLM",
                             fares=FAMILIES)
    with system.rpc() as rpc:
        light = rpc.track.fare_quote(flight["id"], "economy", "light")
        assert light == {
            "flight_id": flight["id"], "flight_number": flight["flight_number"], "class": "economy",
            "family": "light", "family_name": "Light", "amount": 990000, "currency": "IDR",
            "rules": {"refundable": False, "refund_fee_percent": 100, "changeable": False, "change_fee_percent": 100,
                      "free_seat_choice": False, "checked_bag_kg": 0}}
        assert rpc.track.fare_quote(flight["id"], "business")["amount"] == 4500000  # standard by default
        both = rpc.track.fare_quotes([{"flight_id": flight["id"], "class": "economy", "family": "flex"},
                                      {"flight_id": flight["id"], "class": "business"}])
        assert [(q["family"], q["amount"]) for q in both] == [("flex", 1900000), ("standard", 4500000)]
        with pytest.raises(Conflict) as not_sold:
            rpc.track.fare_quote(flight["id"], "business", "light")
        assert not_sold.value.code == "FARE_NOT_OFFERED"
        with pytest.raises(InvalidInput) as unknown:
            rpc.track.fare_quote(flight["id"], "economy", "gold")
        assert unknown.value.code == "UNKNOWN_FARE_FAMILY"
        with pytest.raises(NotFound):
            rpc.track.fare_quote("00000000-0000-0000-0000-000000000000", "economy")
        with pytest.raises(InvalidInput):
            rpc.track.fare_quotes([])
