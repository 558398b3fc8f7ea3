"""Seat layouts: validation and derivation, as plain functions."""
import pytest

from airplane.domain import derive_seats, seat_counts, seat_positions, validate_cabins
from common.errors import InvalidInput

A320 = [
    {"class": "business", "rows": [1, 3], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"},
]
B787_9 = [
    {"class": "business", "rows": [1, 8], "layout": "A-DG-K"},
    {"class": "premium_economy", "rows": [20, 24], "layout": "AC-DEF-HK"},
    {"class": "economy", "rows": [30, 52], "layout": "ABC-DEF-HJK"},
]


def problems(cabins):
    with pytest.raises(InvalidInput) as raised:
        validate_cabins(cabins)
    return raised.value.details["fields"]["cabins"]


def test_a320_seats_are_derived_front_to_back():
    seats = derive_seats(A320)
    assert len(seats) == 3 * 4 + 25 * 6
    assert [s["seat"] for s in seats[:5]] == ["1A", "1C", "1D", "1F", "2A"]
    assert seats[-1] == {"seat": "30F", "class": "economy", "row": 30, "letter": "F", "position": "window"}
    assert {s["class"] for s in seats if s["row"] < 6} == {"business"}
    assert len({s["seat"] for s in seats}) == len(seats)


def test_seat_counts_per_class():
    assert seat_counts(A320) == {"business": 12, "economy": 150}
    assert seat_counts(B787_9) == {"business": 32, "premium_economy": 35, "economy": 207}


def test_economy_split_over_two_ranges_adds_up():
    cabins = [{"class": "economy", "rows": [10, 11], "layout": "AB-CD"},
              {"class": "economy", "rows": [12, 12], "layout": "AB"}]
    assert seat_counts(validate_cabins(cabins)) == {"economy": 10}


def test_aisles_come_from_the_dashes():
    assert seat_positions("ABC-DEF") == {"A": "window", "B": "middle", "C": "aisle",
                                         "D": "aisle", "E": "middle", "F": "window"}
    assert seat_positions("A-DG-K") == {"A": "window", "D": "aisle", "G": "aisle", "K": "window"}
    assert seat_positions("ABC-DEF-HJK")["E"] == "middle"


def test_real_layouts_are_valid():
    assert validate_cabins(B787_9) is B787_9


def test_overlapping_row_ranges_are_refused():
    found = problems([{"class": "business", "rows": [1, 5], "layout": "AC-DF"},
                      {"class": "economy", "rows": [5, 30], "layout": "ABC-DEF"}])
    assert "overlap" in found["rows"][0]


@pytest.mark.parametrize("cabin, field", [
    ({"class": "luxury", "rows": [1, 2], "layout": "AB"}, "class"),
    ({"class": "economy", "rows": [1, 2], "layout": ""}, "layout"),
    ({"class": "economy", "rows": [1, 2], "layout": "AB--CD"}, "layout"),
    ({"class": "economy", "rows": [1, 2], "layout": "-ABC"}, "layout"),
    ({"class": "economy", "rows": [1, 2], "layout": "AB1-CD"}, "layout"),
    ({"class": "economy", "rows": [1, 2], "layout": "ABC-CDE"}, "layout"),
    ({"class": "economy", "rows": [1, 2], "layout": "ABCDEFGHJKLMN"}, "layout"),
    ({"class": "economy", "rows": [5, 2], "layout": "AB"}, "rows"),
    ({"class": "economy", "rows": [0, 2], "layout": "AB"}, "rows"),
    ({"class": "economy", "rows": [1], "layout": "AB"}, "rows"),
    ({"class": "economy", "rows": ["1", 2], "layout": "AB"}, "rows"),
])
def test_bad_cabins_are_refused_with_the_field_named(cabin, field):
    assert field in problems([cabin])["0"]


def test_repeated_letters_are_named():
    found = problems([{"class": "economy", "rows": [1, 2], "layout": "ABC-CDA"}])
    assert "A, C" in found["0"]["layout"][0]


@pytest.mark.parametrize("cabins", [[], None, "ABC-DEF", [None]])
def test_empty_or_malformed_cabin_lists_are_refused(cabins):
    with pytest.raises(InvalidInput):
        validate_cabins(cabins)
