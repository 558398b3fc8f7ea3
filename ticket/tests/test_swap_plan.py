"""Who sits where after an aircraft swap (``ticket.swap.plan``): kept seats, re-seating in
the same cabin, the last-booked bookings displaced, never a seat twice."""
from ticket.domain import parse_seat
from ticket.swap import plan


def layout(cabin, rows, letters):
    return [(f"{row}{letter}", cabin, *parse_seat(f"{row}{letter}")) for row in rows for letter in letters]


def test_seats_the_new_airplane_has_are_kept_the_others_reseated_in_the_cabin():
    occupied = [("1A", "economy", "o1"), ("4A", "economy", "o2")]
    moves, displaced = plan(occupied, layout("economy", range(1, 3), "ABCD"))
    assert moves == {"1A": "1A", "4A": "1B"} and displaced == set()


def test_the_last_booked_bookings_are_displaced_until_the_rest_fit():
    occupied = [("1A", "economy", "o1"), ("1B", "economy", "o1"), ("3A", "economy", "o2"),
                ("2A", "economy", "o3"), ("2B", "economy", "o3")]
    moves, displaced = plan(occupied, layout("economy", [1], "ABC"))
    assert displaced == {"o3"}
    assert moves["1A"] == "1A" and moves["1B"] == "1B" and moves["3A"] == "1C"
    assert len(set(moves.values())) == len(moves)


def test_cabins_are_counted_apart():
    occupied = [("1A", "business", "o1"), ("1B", "business", "o2"), ("5A", "economy", "o3")]
    new = layout("business", [1], "A") + layout("economy", [5], "AB")
    moves, displaced = plan(occupied, new)
    assert displaced == {"o2"} and moves == {"1A": "1A", "5A": "5A"}
