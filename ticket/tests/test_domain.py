"""Plain unit tests of the ticket rules: seat assignment, ticket numbers, seat labels."""
import pytest

from ticket.domain import choose_seats, duplicates, parse_seat, ticket_number


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
