"""Flight rules as plain functions: transitions, schedule checks, fares, local days, cursors, offers."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput
from track import domain

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("old, new", [
    ("scheduled", "delayed"), ("scheduled", "boarding"), ("scheduled", "cancelled"),
    ("delayed", "delayed"), ("delayed", "boarding"), ("delayed", "cancelled"),
    ("boarding", "departed"), ("boarding", "delayed"), ("boarding", "cancelled"),
    ("departed", "arrived"),
])
def test_legal_transitions(old, new):
    domain.check_transition(old, new)


@pytest.mark.parametrize("old, new", [
    ("scheduled", "departed"), ("scheduled", "arrived"), ("scheduled", "scheduled"),
    ("departed", "cancelled"), ("departed", "delayed"), ("arrived", "departed"),
    ("cancelled", "scheduled"), ("cancelled", "boarding"), ("cancelled", "cancelled"),
    ("arrived", "cancelled"),
])
def test_illegal_transitions_conflict(old, new):
    with pytest.raises(Conflict) as raised:
        domain.check_transition(old, new)
    assert raised.value.code == "ILLEGAL_TRANSITION"
    assert raised.value.details["from"] == old


@pytest.mark.parametrize("number, valid", [
    ("GA408", True), ("QZ7", True), ("3K1234", True), ("Y81", True),
    ("GA12345", False), ("G4", False), ("GA-408", False), ("12345", False), ("GA", False), ("ga408", False),
])
def test_flight_numbers(number, valid):
    assert bool(re.match(domain.FLIGHT_NUMBER, number)) is valid


def fields_of(call):
    with pytest.raises(InvalidInput) as raised:
        call()
    return raised.value.details["fields"]


def test_schedule_rules_each_name_their_field():
    later = NOW + timedelta(days=1)
    same_airport = fields_of(lambda: domain.check_schedule("CGK", "CGK", later, later + timedelta(hours=2), NOW))
    assert set(same_airport) == {"destination"}
    assert set(fields_of(lambda: domain.check_schedule("CGK", "DPS", later, later, NOW))) == {"arrival_at"}
    past = NOW - timedelta(minutes=1)
    assert set(fields_of(lambda: domain.check_schedule("CGK", "DPS", past, later, NOW))) == {"departure_at"}
    domain.check_schedule("CGK", "DPS", later, later + timedelta(hours=2), NOW)


def test_fares_must_match_the_cabins_exactly():
    seat_counts = {"economy": 150, "business": 12}
    domain.check_fares({"economy": 1, "business": 2}, seat_counts)
    problems = fields_of(lambda: domain.check_fares({"economy": 1, "first": 9}, seat_counts))["fares"]
    assert set(problems) == {"first", "business"}


def test_turnaround_widens_the_busy_window():
    dep, arr = NOW, NOW + timedelta(hours=2)
    assert domain.overlaps_with_turnaround(dep, arr, timedelta(minutes=45)) == (
        dep - timedelta(minutes=45), arr + timedelta(minutes=45))


def test_local_day_in_jakarta_starts_at_17z_the_day_before():
    start, end = domain.local_day_utc_range(date(2026, 12, 1), "Asia/Jakarta")
    assert start == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    late_evening = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 23:30 in Jakarta
    assert start <= late_evening < end


def test_local_day_follows_daylight_saving():
    start, end = domain.local_day_utc_range(date(2026, 10, 4), "Australia/Sydney")  # DST starts that day
    assert end - start == timedelta(hours=23)


def test_cursor_round_trip_and_tampering():
    cursor = domain.encode_cursor(NOW, "5b1f0c7e-4e1a-4a8e-9d43-0e9f5f3a2c11")
    assert domain.decode_cursor(cursor) == (NOW, "5b1f0c7e-4e1a-4a8e-9d43-0e9f5f3a2c11")
    for bad in ("not-a-cursor", cursor[:-3], "W10", ""):
        with pytest.raises(InvalidInput) as raised:
            domain.decode_cursor(bad)
        assert raised.value.code == "INVALID_CURSOR"


def test_offer_picks_the_cheapest_class_with_room_for_the_party():
    fares = {"economy": 100, "business": 400}
    availability = {"economy": {"available": 1, "price": 100}, "business": {"available": 5, "price": 400}}
    assert domain.offer(fares, availability, 1) == ({"economy": 1, "business": 5}, {"class": "economy", "amount": 100})
    assert domain.offer(fares, availability, 2)[1] == {"class": "business", "amount": 400}
    assert domain.offer(fares, availability, 6) is None
    assert domain.offer(fares, availability, 2, "economy") is None
    assert domain.offer(fares, {}, 1) is None


def test_times_parse_to_utc_or_name_their_field():
    assert domain.parse_time("2026-12-01T08:00:00+07:00", "starts_at") == datetime(2026, 12, 1, 1, tzinfo=UTC)
    for value in ("2026-12-01T08:00:00", "soon", None):
        with pytest.raises(InvalidInput) as raised:
            domain.parse_time(value, "ends_at")
        assert set(raised.value.details["fields"]) == {"ends_at"}


DEPARTS, ARRIVES = NOW + timedelta(days=1), NOW + timedelta(days=1, hours=2)


def test_only_a_delay_moves_the_times():
    assert domain.status_times(DEPARTS, ARRIVES, "boarding", {}) == (DEPARTS, ARRIVES)
    with pytest.raises(InvalidInput) as raised:
        domain.status_times(DEPARTS, ARRIVES, "boarding", {"departure_at": DEPARTS + timedelta(hours=1)})
    assert set(raised.value.details["fields"]) == {"status"}


def test_a_delay_keeps_the_duration_unless_given_an_arrival():
    later = DEPARTS + timedelta(hours=3)
    assert domain.status_times(DEPARTS, ARRIVES, "delayed", {"departure_at": later}) == \
        (later, later + timedelta(hours=2))
    assert domain.status_times(DEPARTS, ARRIVES, "delayed", {
        "departure_at": later, "arrival_at": later + timedelta(hours=1)}) == (later, later + timedelta(hours=1))


@pytest.mark.parametrize("values, field", [
    ({}, "departure_at"),
    ({"departure_at": DEPARTS}, "departure_at"),
    ({"departure_at": DEPARTS - timedelta(minutes=5)}, "departure_at"),
    ({"departure_at": DEPARTS + timedelta(hours=1), "arrival_at": DEPARTS + timedelta(hours=1)}, "arrival_at"),
])
def test_a_delay_moves_later_and_lands_after_it_departs(values, field):
    with pytest.raises(InvalidInput) as raised:
        domain.status_times(DEPARTS, ARRIVES, "delayed", values)
    assert set(raised.value.details["fields"]) == {field}
