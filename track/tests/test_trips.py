"""Trip search rules: connections (time zones are UTC instants), options, sorting, paging."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import InvalidInput
from track import trips
from track.models import Flight

MIN = timedelta(minutes=45)
FAMILIES = ["light", "standard", "flex"]


def leg(origin, destination, departs, minutes, prices=None, currency="IDR", number="GA1"):
    return Flight(id=uuid.uuid4(), flight_number=number, origin=origin, destination=destination,
                  departure_at=departs, arrival_at=departs + timedelta(minutes=minutes), status="scheduled",
                  currency=currency,
                  fares_by_family={"economy": prices or {"light": 100, "standard": 150, "flex": 200}})


def seats(*flights, available=9):
    return {str(f.id): {"economy": {"available": available, "price": 150}} for f in flights}


def test_a_connection_needs_the_same_airport_and_the_minimum_time_and_at_most_a_day():
    # CGK 07:00 WIB (00:00Z) -> DPS 09:50 WITA (01:50Z): DPS is an hour ahead of Jakarta,
    # so 10:35 local in Bali is only 45 minutes after landing, not 1h45.
    first = leg("CGK", "DPS", datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 110)
    exactly = leg("DPS", "LOP", datetime(2026, 12, 1, 2, 35, tzinfo=UTC), 40)
    too_short = leg("DPS", "LOP", datetime(2026, 12, 1, 2, 34, tzinfo=UTC), 40)
    too_late = leg("DPS", "LOP", first.arrival_at + timedelta(hours=24, minutes=1), 40)
    elsewhere = leg("SUB", "LOP", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), 40)
    assert trips.connects(first, exactly, MIN)
    assert not trips.connects(first, too_short, MIN)
    assert not trips.connects(first, too_late, MIN)
    assert not trips.connects(first, elsewhere, MIN)


def test_an_option_sums_the_legs_per_family_for_the_party():
    first = leg("CGK", "DPS", datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 110)
    second = leg("DPS", "LOP", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), 40, {"standard": 50, "flex": 70})
    found = trips.option([first, second], seats(first, second), "economy", 2, FAMILIES)
    assert found["stops"] == 1 and found["connection_minutes"] == [70] and found["duration_minutes"] == 220
    assert found["fares"] == [
        {"family": "standard", "per_passenger": 200, "total": 400, "currency": "IDR"},
        {"family": "flex", "per_passenger": 270, "total": 540, "currency": "IDR"}]
    assert found["lowest_total"]["family"] == "standard" and found["seats_available"] == 9
    assert [item["flight_id"] for item in found["legs"]] == [str(first.id), str(second.id)]


def test_an_option_that_cannot_carry_the_party_is_none():
    first = leg("CGK", "DPS", datetime(2026, 12, 1, 0, 0, tzinfo=UTC), 110)
    second = leg("DPS", "LOP", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), 40)
    assert trips.option([first, second], seats(first, second, available=1), "economy", 2, FAMILIES) is None
    assert trips.option([first, second], seats(first), "economy", 1, FAMILIES) is None
    assert trips.option([first], seats(first), "business", 1, FAMILIES) is None
    dollars = leg("DPS", "SIN", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), 150, currency="USD")
    assert trips.option([first, dollars], seats(first, dollars), "economy", 1, FAMILIES) is None


def test_options_sort_by_price_or_duration_with_stable_ties():
    day = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    cheap_slow = [leg("CGK", "DPS", day, 110, {"standard": 100}),
                  leg("DPS", "LOP", day + timedelta(hours=3), 40, {"standard": 50})]
    dear_fast = leg("CGK", "LOP", day + timedelta(hours=1), 130, {"standard": 400})
    available = seats(*cheap_slow, dear_fast)
    by_price = trips.options([dear_fast], [tuple(cheap_slow)], available, "economy", 1, FAMILIES, "price")
    assert [item["stops"] for item in by_price] == [1, 0]
    by_duration = trips.options([dear_fast], [tuple(cheap_slow)], available, "economy", 1, FAMILIES, "duration")
    assert [item["stops"] for item in by_duration] == [0, 1]


def test_pages_advance_both_lists_by_offset():
    outbound, inbound = list(range(5)), list(range(2))
    first = trips.page(outbound, inbound, 0, 2)
    assert first[:2] == ([0, 1], [0, 1]) and first[2]
    second = trips.page(outbound, inbound, trips.decode_cursor(first[2]), 2)
    assert second[:2] == ([2, 3], []) and second[2]
    last = trips.page(outbound, inbound, trips.decode_cursor(second[2]), 2)
    assert last == ([4], [], None)


@pytest.mark.parametrize("bad", ["nope", trips.encode_cursor(-1), trips.encode_cursor(10**9), "e30"])
def test_a_tampered_cursor_is_refused(bad):
    with pytest.raises(InvalidInput) as raised:
        trips.decode_cursor(bad)
    assert raised.value.code == "INVALID_CURSOR"
