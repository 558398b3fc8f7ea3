"""Plain unit tests of the ticket rules: seat assignment, ticket numbers, seat labels,
which seats an order may take."""
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput
from ticket.domain import (
    AVAILABLE,
    HELD,
    SOLD,
    check_named_seats,
    choose_seats,
    duplicates,
    parse_seat,
    seat_is_free,
    seat_is_free_for,
    ticket_number,
)


def cabin(rows, letters="ABCDEF", taken=()):
    return [(row, letter, f"{row}{letter}", f"{row}{letter}" not in taken) for row in rows for letter in letters]


def test_a_group_sits_together_in_the_first_row_with_room():
    assert choose_seats(cabin([1, 2]), 3) == ["1A", "1B", "1C"]


def test_a_group_skips_a_row_where_it_would_be_split():
    seats = cabin([1, 2], taken={"1B", "1E"})
    assert choose_seats(seats, 3) == ["2A", "2B", "2C"]


def test_a_group_takes_the_smallest_block_that_fits():
    # row 1 has a block of 2 (E-F), row 2 a block of 6: a pair goes to row 1
    seats = cabin([1, 2], taken={"1A", "1B", "1C", "1D"})
    assert choose_seats(seats, 2) == ["1E", "1F"]


def test_seats_are_never_adjacent_across_a_taken_seat():
    seats = cabin([1], taken={"1B", "1D", "1F"})
    chosen = choose_seats(seats, 2)
    assert len(chosen) == 2 and set(chosen) <= {"1A", "1C", "1E"}


def test_no_row_with_room_means_the_fewest_splits():
    seats = cabin([1, 2, 3], taken={"1C", "1D", "2B", "2E", "3A", "3B", "3C", "3E", "3F"})
    # blocks: 1AB, 1EF, 2A, 2CD, 2F, 3D -> four seats from the two-seat blocks
    chosen = choose_seats(seats, 4)
    assert sorted(chosen) == ["1A", "1B", "1E", "1F"]


def test_unavailable_seats_are_left_out():
    assert choose_seats(cabin([1]), 2, unavailable={"1A"}) == ["1B", "1C"]


def test_not_enough_free_seats_is_none():
    assert choose_seats(cabin([1], taken={"1A", "1B", "1C", "1D"}), 3) is None
    assert choose_seats([], 1) is None
    assert choose_seats(cabin([1]), 0) == []


def test_ticket_number_is_prefix_and_ten_digit_serial():
    number = ticket_number("123", 42)
    assert number == "1230000000042"
    assert len(number) == 13 and number.isdigit()
    assert ticket_number(999, 9_999_999_999) == "9999999999999"


@pytest.mark.parametrize("prefix, serial", [("12", 1), ("1234", 1), ("ABC", 1), ("123", 0), ("123", 10**10)])
def test_ticket_number_refuses_what_would_not_be_13_digits(prefix, serial):
    with pytest.raises(ValueError):
        ticket_number(prefix, serial)


def test_seat_labels():
    assert parse_seat("12A") == (12, "A")
    assert parse_seat("101K") == (101, "K")
    assert parse_seat("A12") is None
    assert parse_seat("") is None


def test_duplicates_are_listed_once():
    assert duplicates(["1A", "1B", "1A", "1A"]) == ["1A"]
    assert duplicates([]) == []


# -- a seat free for an order ---------------------------------------------------------

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LAPSED, LIVE = NOW - timedelta(seconds=1), NOW + timedelta(minutes=15)
SeatRow = namedtuple("SeatRow", "seat cabin_class status order_id hold_expires_at now", defaults=(NOW,))


def seat(status=AVAILABLE, order_id=None, hold_expires_at=None, label="1A", cabin_class="economy"):
    return SeatRow(label, cabin_class, status, order_id, hold_expires_at)


# (status, holder, expiry) -> free for anyone, free for order "mine"
FREE_SEAT_CASES = [
    ((AVAILABLE, None, None), True, True),
    ((HELD, "mine", LIVE), False, True),
    ((HELD, "mine", LAPSED), True, True),
    ((HELD, "other", LIVE), False, False),
    ((HELD, "other", LAPSED), True, True),
    ((HELD, "other", NOW), True, True),
    ((SOLD, "mine", None), False, False),
    ((SOLD, "other", None), False, False),
]


@pytest.mark.parametrize("state, free, free_for_mine", FREE_SEAT_CASES)
def test_a_seat_is_free_for_an_order_if_free_or_its_own_hold(state, free, free_for_mine):
    status, holder, expires = state
    assert seat_is_free(status, expires, NOW) is free
    assert seat_is_free_for("mine", seat(status, holder, expires), NOW) is free_for_mine


def test_named_seats_free_for_the_order_pass():
    locked = [seat(label="1A"), seat(HELD, "mine", LAPSED, label="1B"), seat(HELD, "other", LAPSED, label="1C")]
    check_named_seats(locked, "mine", ["1A", "1B", "1C"], "economy")
    check_named_seats(locked, "mine", ["1A"], None)


def test_named_seats_unknown_are_refused_first():
    with pytest.raises(InvalidInput) as error:
        check_named_seats([seat(HELD, "other", LIVE, label="1A")], "mine", ["1A", "9Z"], "economy")
    assert error.value.details["seats"] == ["9Z"]


def test_named_seats_of_another_class_are_refused():
    with pytest.raises(InvalidInput) as error:
        check_named_seats([seat(label="1A", cabin_class="business"), seat(label="1B")], "mine", ["1A", "1B"],
                          "economy")
    assert error.value.details["seats"] == ["1A"]


def test_named_seats_taken_are_a_conflict_naming_them():
    locked = [seat(SOLD, "other", label="1A"), seat(label="1B"), seat(HELD, "other", LIVE, label="1C")]
    with pytest.raises(Conflict) as error:
        check_named_seats(locked, "mine", ["1A", "1B", "1C"], None)
    assert error.value.code == "SEAT_UNAVAILABLE" and error.value.details["seats"] == ["1A", "1C"]
