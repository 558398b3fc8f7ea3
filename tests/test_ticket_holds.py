"""Seat holds: all or nothing, never the same seat twice, lapsing on time."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict, InvalidInput, NotFound
from tests.helpers import wait_until
from tests.helpers.tickets import ECONOMY_FARE, TicketDb, schedule_flight, seat_statuses, statuses


def new_order():
    return uuid.uuid4().hex



def test_a_hold_takes_the_named_seats_in_the_order_given(system):
    flight = schedule_flight(system)
    order_id = new_order()
    asked = datetime.now(UTC).replace(microsecond=0)
    with system.rpc() as rpc:
        hold = rpc.ticket.hold_seats(order_id, flight["flight_id"], ["4C", "1A", "4B"])
    answered = datetime.now(UTC)
    assert hold["order_id"] == order_id and hold["flight_id"] == flight["flight_id"]
    assert [s["seat"] for s in hold["seats"]] == ["4C", "1A", "4B"]
    assert [s["class"] for s in hold["seats"]] == ["economy", "business", "economy"]
    assert hold["amount"] == sum(s["price"] for s in hold["seats"]) and hold["currency"] == "IDR"
    expires = datetime.fromisoformat(hold["expires_at"])
    assert expires.utcoffset() == timedelta(0)
    # HOLD_TTL_SECONDS (900) from the moment the hold was taken, whatever the call took
    assert asked + timedelta(seconds=900) <= expires + timedelta(seconds=1)
    assert expires <= answered + timedelta(seconds=900)
    seats = seat_statuses(system, flight["flight_id"])
    assert [seats[s] for s in ("4C", "1A", "4B", "4A")] == ["held", "held", "held", "available"]


def test_a_hold_is_all_or_nothing(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["5C"])
        with pytest.raises(Conflict) as error:
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["5A", "5B", "5C"])
    assert error.value.code == "SEAT_UNAVAILABLE"
    assert error.value.details["seats"] == ["5C"]
    seats = seat_statuses(system, flight["flight_id"])
    assert [seats[s] for s in ("5A", "5B", "5C")] == ["available", "available", "held"]


def test_retrying_a_hold_returns_the_same_hold(system):
    flight = schedule_flight(system)
    order_id = new_order()
    with system.rpc() as rpc:
        first = rpc.ticket.hold_seats(order_id, flight["flight_id"], ["6A", "6B"])
        again = rpc.ticket.hold_seats(order_id, flight["flight_id"], ["6A", "6B"])
        other_seats = rpc.ticket.hold_seats(order_id, flight["flight_id"], ["7A"])
    assert again == first
    assert sorted(s["seat"] for s in other_seats["seats"]) == ["6A", "6B"]
    assert seat_statuses(system, flight["flight_id"])["7A"] == "available"


def test_seats_are_assigned_side_by_side_in_the_class(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3B", "4E"])
        hold = rpc.ticket.hold_seats(new_order(), flight["flight_id"], [], cabin_class="economy", count=3)
        mixed = rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["2A"], cabin_class=None, count=0)
    # row 3 has 3C-3F free, row 4 has 4A-4D: the first four-seat block that fits
    assert [s["seat"] for s in hold["seats"]] == ["3C", "3D", "3E"]
    assert hold["amount"] == 3 * ECONOMY_FARE
    assert [s["seat"] for s in mixed["seats"]] == ["2A"]


def test_named_seats_then_assigned_seats_in_one_hold(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        hold = rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3A"], cabin_class="economy", count=2)
    assert [s["seat"] for s in hold["seats"]] == ["3A", "3B", "3C"]


@pytest.mark.parametrize("args, kwargs, error, code", [
    (["3A", "99Z"], {}, InvalidInput, "VALIDATION_ERROR"),
    (["3A", "1A"], {"cabin_class": "economy"}, InvalidInput, "VALIDATION_ERROR"),
    (["3A", "3B", "3A"], {}, InvalidInput, "VALIDATION_ERROR"),
    (["not-a-seat"], {}, InvalidInput, "VALIDATION_ERROR"),
    ([], {}, InvalidInput, "VALIDATION_ERROR"),
    ([], {"count": 2}, InvalidInput, "VALIDATION_ERROR"),
    ([], {"cabin_class": "business", "count": 9}, Conflict, "NOT_ENOUGH_SEATS"),
    ([], {"cabin_class": "first", "count": 1}, Conflict, "NOT_ENOUGH_SEATS"),
])
def test_bad_requests_are_refused_and_change_nothing(system, args, kwargs, error, code):
    flight = schedule_flight(system)
    before = seat_statuses(system, flight["flight_id"])
    with system.rpc() as rpc:
        with pytest.raises(error) as raised:
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], args, **kwargs)
    assert raised.value.code == code
    assert seat_statuses(system, flight["flight_id"]) == before


def test_unknown_seats_are_named(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        with pytest.raises(InvalidInput) as unknown:
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3A", "99Z", "98Y"])
        with pytest.raises(InvalidInput) as wrong_class:
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["1A", "3A"], cabin_class="business")
    assert unknown.value.details["seats"] == ["99Z", "98Y"]
    assert wrong_class.value.details["seats"] == ["3A"]


def test_unknown_and_closed_flights_cannot_be_booked(system):
    departed = schedule_flight(system)
    past = schedule_flight(system, departure_in=timedelta(hours=-1))
    system.dispatch("track", "flight_status_changed",
                    {"flight_id": departed["flight_id"], "old": "scheduled", "new": "departed"})
    with system.rpc() as rpc:
        with pytest.raises(NotFound):
            rpc.ticket.hold_seats(new_order(), "no-such-flight", ["3A"])

        def closed():
            try:
                rpc.ticket.hold_seats(new_order(), departed["flight_id"], ["3A"])
            except Conflict as exc:
                return exc.code == "FLIGHT_NOT_BOOKABLE"
        wait_until(closed, what="departed flight still bookable")
        with pytest.raises(Conflict) as error:
            rpc.ticket.hold_seats(new_order(), past["flight_id"], ["3A"])
        assert error.value.code == "FLIGHT_NOT_BOOKABLE"
        assert rpc.ticket.availability([departed["flight_id"]])[departed["flight_id"]]["economy"]["available"] == 0
    assert set(seat_statuses(system, departed["flight_id"]).values()) == {"available"}


def test_a_lapsed_hold_can_be_taken_by_someone_else(make_system):
    with make_system(services=["ticket"], HOLD_TTL_SECONDS=1) as short:
        flight = schedule_flight(short)
        with short.rpc() as rpc:
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["8A", "8B"])
            # the hold lapses after its second: free again, with or without the sweeper
            wait_until(lambda: seat_statuses(short, flight["flight_id"])["8A"] == "available", what="8A lapsed")
            hold = rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["8B", "8C"])
    assert [s["seat"] for s in hold["seats"]] == ["8B", "8C"]


def test_release_hold_puts_the_seats_back_and_is_idempotent(system):
    flight = schedule_flight(system)
    order_id = new_order()
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(order_id, flight["flight_id"], ["9A", "9B"])
        assert rpc.ticket.release_hold(order_id) == {"released": 2}
        assert rpc.ticket.release_hold(order_id) == {"released": 0}
        assert rpc.ticket.release_hold("never-held") == {"released": 0}
        # the released seats are on sale again
        rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["9A", "9B"])


def test_racing_buyers_never_share_a_seat(system):
    # 4 business + 6 economy seats; one economy seat gone: 5 left for 60 buyers
    flight = schedule_flight(system, business_rows=range(1, 2), economy_rows=range(3, 4))
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3A"])
        calls = [rpc.ticket.hold_seats.call_async(new_order(), flight["flight_id"], [], cabin_class="economy", count=1)
                 for _ in range(60)]
        won, refused = [], []
        for call in calls:
            try:
                won.append(call.result()["seats"][0]["seat"])
            except Conflict as exc:
                refused.append(exc.code)
        seat_map = statuses(rpc.ticket.seat_map(flight["flight_id"]))
        available = rpc.ticket.availability([flight["flight_id"]])[flight["flight_id"]]["economy"]["available"]
    assert len(won) == 5 and len(set(won)) == 5
    assert set(refused) == {"NOT_ENOUGH_SEATS"} and len(refused) == 55
    assert sorted(won) == ["3B", "3C", "3D", "3E", "3F"]
    assert [seat_map[f"3{letter}"] for letter in "ABCDEF"] == ["held"] * 6
    assert available == 0


def test_racing_buyers_of_named_seats_get_disjoint_seats(system):
    flight = schedule_flight(system, business_rows=range(1, 2), economy_rows=range(3, 4))
    pairs = [["3A", "3B"], ["3B", "3C"], ["3C", "3D"], ["3D", "3E"], ["3E", "3F"], ["3F", "3A"]]
    with system.rpc() as rpc:
        calls = [(pair, rpc.ticket.hold_seats.call_async(new_order(), flight["flight_id"], pair))
                 for pair in pairs * 10]
        won = []
        for pair, call in calls:
            try:
                call.result()
                won.append(pair)
            except Conflict as exc:
                assert exc.code == "SEAT_UNAVAILABLE" and set(exc.details["seats"]) <= set(pair)
        seat_map = statuses(rpc.ticket.seat_map(flight["flight_id"]))
    taken = [seat for pair in won for seat in pair]
    assert len(taken) == len(set(taken)), won
    assert 2 <= len(won) <= 3
    assert sorted(seat for seat, status in seat_map.items() if status == "held") == sorted(taken)


def test_the_sweeper_releases_lapsed_holds(make_system):
    with make_system(services=["ticket"], HOLD_TTL_SECONDS=1, EXPIRY_SWEEP_SECONDS=1) as short:
        flight = schedule_flight(short)
        order_id = new_order()
        with short.rpc() as rpc:
            hold = rpc.ticket.hold_seats(order_id, flight["flight_id"], ["3A", "3B"])
            expires = datetime.fromisoformat(hold["expires_at"])
            assert expires - datetime.now(expires.tzinfo) <= timedelta(seconds=1)
            db = TicketDb(short.config)

            def swept():
                rows = db.rows("SELECT status, order_id FROM seats WHERE flight_id = :f AND seat IN ('3A', '3B')",
                               f=flight["flight_id"])
                return all(r["status"] == "available" and r["order_id"] is None for r in rows)
            # the sweeper every second, not at the default 10 s: well within 8 s even on a loaded machine
            wait_until(swept, timeout=8, what="the sweeper to release the hold")
            again = rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3A", "3B"])
        assert [s["seat"] for s in again["seats"]] == ["3A", "3B"]


def test_racing_groups_fill_the_cabin_exactly(system):
    # 48 economy seats, 30 pairs: 24 pairs seated, none refused while seats are free
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        calls = [rpc.ticket.hold_seats.call_async(new_order(), flight["flight_id"], [], cabin_class="economy", count=2)
                 for _ in range(30)]
        won, refused = [], 0
        for call in calls:
            try:
                won.append([s["seat"] for s in call.result()["seats"]])
            except Conflict as exc:
                assert exc.code == "NOT_ENOUGH_SEATS"
                refused += 1
        seat_map = rpc.ticket.seat_map(flight["flight_id"])
    taken = [seat for pair in won for seat in pair]
    assert (len(won), refused) == (24, 6)
    assert len(set(taken)) == 48
    assert {s["status"] for s in seat_map["seats"] if s["class"] == "economy"} == {"held"}
