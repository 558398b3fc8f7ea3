"""notify's rules, without a server."""
import uuid
from datetime import UTC, datetime

import pytest

from common.errors import InvalidInput
from notify import domain


def test_the_dedup_key_is_the_fact_and_the_booking():
    assert domain.dedup_key("ticketed", "65f1c0ffee0123456789abcd") == ("ticketed", "65f1c0ffee0123456789abcd", "")
    assert domain.dedup_key(domain.REFUNDED, 42) == ("refunded", "42", "")
    with pytest.raises(ValueError):
        domain.dedup_key("boarded", "x")


def test_facts_that_recur_are_told_apart_by_flight_and_reason():
    assert domain.fact_key(domain.TICKETED, {"order_id": "o1", "flight_id": "f1"}) == ""
    assert domain.fact_key(domain.CHECK_IN_OPEN, {"order_id": "o1", "flight_id": "f1"}) == "f1"
    delayed = {"order_id": "o1", "flight_id": "f1", "reason": "delayed", "since": "2026-12-01T06:00:00+00:00"}
    assert domain.fact_key(domain.DISRUPTED, delayed) == "f1:delayed"
    # a replay at another time is the same fact; another reason for the flight is another
    assert domain.fact_key(domain.DISRUPTED, dict(delayed, since="2026-12-01T07:00:00+00:00")) == "f1:delayed"
    assert domain.fact_key(domain.DISRUPTED, dict(delayed, reason="cancelled")) == "f1:cancelled"


def test_each_change_of_a_booking_is_its_own_fact():
    first = {"order_id": "o1", "change_id": "c1", "old_flight_id": "f1", "new_flight_id": "f2"}
    assert domain.fact_key(domain.CHANGED, first) == "c1"
    # changed back to the first flight later: another change, another message
    assert domain.fact_key(domain.CHANGED, dict(first, change_id="c2", old_flight_id="f2", new_flight_id="f1")) == "c2"


def test_the_flights_of_a_change_read_as_legs():
    fact = {"old_flight_id": "f1", "new_flight_id": "f2", "old_flight": {"flight_number": "GA400"},
            "new_flight": {"flight_number": "GA402"}}
    assert domain.changed_flights(fact) == ({"flight_number": "GA400", "id": "f1"},
                                            {"flight_number": "GA402", "id": "f2"})
    assert domain.changed_flights(dict(fact, old_flight=None)) == (None, {"flight_number": "GA402", "id": "f2"})
    assert domain.changed_flights({"flight_id": "f1"}) == (None, None)


def test_the_money_of_a_change_is_one_movement():
    fact = {"fee": 125_000, "fare_difference": -250_000, "amount_due": 0, "refund_due": 125_000}
    assert domain.change_money(fact, "IDR") == {
        "change_fee": "IDR 1,250.00", "fare_difference": "IDR -2,500.00",
        "amount_charged": "", "amount_given_back": "IDR 1,250.00"}
    charged = domain.change_money(dict(fact, fare_difference=-50_000, amount_due=75_000, refund_due=0), "IDR")
    assert (charged["amount_charged"], charged["amount_given_back"]) == ("IDR 750.00", "")
    assert domain.change_money({"amount": 100}, "IDR") == {
        "change_fee": "", "fare_difference": "", "amount_charged": "", "amount_given_back": ""}


def test_the_options_of_a_disruption_read_as_choices():
    assert domain.option_text("refund") == "Cancel the booking for a full refund."
    assert domain.option_text({"type": "move", "window_hours": 72}) == (
        "Move to another flight on the same route at no cost (a flight within 72 hours of yours).")
    assert domain.option_text({"kind": "move"}).endswith("at no cost.")
    assert domain.option_text("rebook_later") == "Rebook later."
    steps = domain.next_steps(domain.DISRUPTED, "K7M2QX", {"options": ["refund", "move"]})
    assert steps[:2] == [domain.option_text("refund"), domain.option_text("move")] and "K7M2QX" in steps[2]


def test_money_is_shown_in_major_units_with_the_currency_exponent():
    assert domain.money(1250000, "IDR") == "IDR 12,500.00"
    assert domain.money(1999, "USD") == "USD 19.99"
    assert domain.money(15000, "JPY") == "JPY 15,000"
    assert domain.money(1500, "KWD") == "KWD 1.500"
    assert domain.money(None, None) == ""


def test_local_time_is_the_airports_wall_clock_with_its_zone():
    departure = "2026-12-01T08:30:00+00:00"
    assert domain.local_time(departure, "Asia/Jakarta") == "Tue 01 Dec 2026 15:30 WIB (UTC+07:00)"
    assert domain.local_time(departure, "Asia/Makassar") == "Tue 01 Dec 2026 16:30 WITA (UTC+08:00)"
    assert domain.local_time(departure, "America/Los_Angeles") == "Tue 01 Dec 2026 00:30 PST (UTC-08:00)"
    # a leg that leaves one local day and lands the next
    assert domain.local_time("2026-12-01T16:30:00Z", "Asia/Tokyo").startswith("Wed 02 Dec 2026 01:30")
    # no zone known: UTC, said so
    assert domain.local_time(departure, None) == "Tue 01 Dec 2026 08:30 UTC (UTC+00:00)"
    assert domain.local_time(departure, "Not/AZone") == "Tue 01 Dec 2026 08:30 UTC (UTC+00:00)"
    assert domain.local_time(None, "Asia/Jakarta") == ""


def test_a_leg_reads_each_time_at_its_own_airport():
    flight = {"id": "f1", "flight_number": "GA400", "origin": "CGK", "destination": "DPS",
              "departure_at": "2026-12-01T08:30:00+00:00", "arrival_at": "2026-12-01T10:20:00+00:00",
              "status": "scheduled"}
    leg = domain.leg(flight, {"CGK": "Asia/Jakarta", "DPS": "Asia/Makassar"})
    assert leg["departure_local"].startswith("Tue 01 Dec 2026 15:30 WIB")
    assert leg["arrival_local"].startswith("Tue 01 Dec 2026 18:20 WITA")
    assert (leg["flight_number"], leg["origin"], leg["destination"]) == ("GA400", "CGK", "DPS")


def test_a_ticketing_tells_the_booking_a_relayed_fact_does_not():
    fact = {"order_id": "o1", "user_id": "u1", "booking_ref": "K7M2QX", "amount": 150000, "currency": "IDR",
            "flight_ids": ["a", "b"], "tickets": []}
    booking = domain.booking_told(fact)
    assert booking == {"id": "o1", "user_id": "u1", "booking_ref": "K7M2QX", "amount": 150000, "currency": "IDR",
                       "segments": [{"flight_id": "a"}, {"flight_id": "b"}]}
    assert domain.flight_ids(booking) == ["a", "b"]
    relayed = {"order_id": "o1", "user_id": "u1", "booking_ref": None, "amount": None, "currency": None,
               "flight_ids": None, "tickets": []}
    assert domain.booking_told(relayed) is None


def test_the_flights_of_a_booking():
    assert domain.flight_ids({"flight_id": "f1"}) == ["f1"]
    assert domain.flight_ids({"flight_id": "f1", "segments": [{"flight_id": "a"}, {"flight_id": "b"}]}) == ["a", "b"]
    assert domain.flight_ids({}) == []


def test_what_to_do_next_depends_on_the_fact():
    assert any("K7M2QX" in step for step in domain.next_steps(domain.TICKETED, "K7M2QX"))
    assert domain.next_steps(domain.CANCELLED, "K7M2QX", {"paid": False}) == ["Nothing more is needed from you."]
    assert "refund follows" in domain.next_steps(domain.CANCELLED, "K7M2QX", {"paid": True})[0]
    assert "card" in domain.next_steps(domain.REFUNDED, "K7M2QX")[0]
    for kind in domain.KINDS:
        assert domain.next_steps(kind, "K7M2QX", {}), kind


def test_reasons_read_as_sentences():
    assert domain.reason_text("flight_cancelled") == "the flight was cancelled"
    assert domain.reason_text("order_cancelled") == "you cancelled the booking"
    assert domain.reason_text("something_new") == "something new"
    assert domain.reason_text(None) == ""


def test_a_cursor_round_trips_and_garbage_is_invalid_input():
    created_at, notification_id = datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=UTC), uuid.uuid4()
    assert domain.decode_cursor(domain.encode_cursor(created_at, notification_id)) == (created_at, notification_id)
    for garbage in ("x", "!!!", "W10", domain.encode_cursor(created_at, notification_id)[:-3]):
        with pytest.raises(InvalidInput):
            domain.decode_cursor(garbage)


def test_check_in_open_is_told_only_to_a_booking_still_ticketed():
    assert domain.worth_telling(domain.CHECK_IN_OPEN, {"status": "TICKETED"})
    assert not domain.worth_telling(domain.CHECK_IN_OPEN, {"status": "REFUNDED"})
    assert domain.worth_telling(domain.DISRUPTED, {"status": "REFUNDED"})  # a cancelled flight: still news


def test_a_time_that_is_not_one_is_shown_as_it_came():
    assert domain.time_text("2026-12-01T06:00:00+00:00", "Asia/Jakarta").startswith("Tue 01 Dec 2026 13:00 WIB")
    assert domain.time_text("next Tuesday", None) == "next Tuesday"
    assert domain.option_text({"type": "move", "until": "soon"}).endswith("(a flight departing by soon).")
