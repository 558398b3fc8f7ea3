"""100 buyers, each with their own token and HTTP session, race for the last 5 seats.

What must hold however the race goes: no seat is sold twice, no more seats are sold than
were offered, every winner holds its own seats, every loser gets a clean JSON 409 (or a
503 when the machine is too slow to answer in time), and the seat map adds up. When no
buyer timed out, every offered seat went: exactly 5 winners. Run once on one process of
each service and once on two replicas of each (``any_system``): the same must hold, and
no order is charged or ticketed twice."""
import random
from collections import Counter

import eventlet

from tests.helpers import assert_error
from tests.helpers.booking import (
    assert_each_effect_once,
    customer,
    flight_money,
    pay,
    place,
    schedule_flight,
    seat_labels,
    wait_for_status,
)
from tests.helpers.tickets import TicketDb, seat_statuses

BUYERS = 100
BUSINESS = seat_labels(range(1, 2), "ABCD")
ECONOMY = seat_labels(range(2, 5), "ABCD")  # 12 seats
REFUSALS = {"SEAT_UNAVAILABLE", "NOT_ENOUGH_SEATS"}


def seat_owners(system, flight_id):
    """``{seat: order_id}`` of every held or sold seat, from the ticket database."""
    rows = TicketDb(system.config).rows(
        "SELECT seat, order_id FROM seats WHERE flight_id = :flight_id AND order_id IS NOT NULL", flight_id=flight_id)
    return {row["seat"]: row["order_id"] for row in rows}


def test_hundred_buyers_race_for_the_last_five_seats(any_system):
    system = any_system
    flight = schedule_flight(system, economy_rows=range(2, 5))
    early, _ = customer(system)
    early_order = place(early, flight, *({"name": f"Early {i}"} for i in range(7)))
    early_seats = {p["seat"] for p in early_order["passengers"]}
    free = sorted(set(ECONOMY) - early_seats)
    assert len(free) == 5

    buyers = [customer(system) for _ in range(BUYERS)]
    rng = random.Random(7)

    def buy(index):
        client, _ = buyers[index]
        passenger = {"name": f"Buyer {index}"}
        if index % 2:  # half name a seat (any economy seat, sold or not), half take what is left
            passenger["seat"] = rng.choice(ECONOMY)
        return index, client.post("/orders", json={"flight_id": flight, "passengers": [passenger]})

    results = list(eventlet.GreenPool(BUYERS).imap(buy, range(BUYERS)))
    codes = Counter(response.status_code for _, response in results)
    assert set(codes) <= {201, 409, 503}, codes
    for _, response in results:  # every loser got a clean JSON error
        if response.status_code == 409:
            assert assert_error(response, 409)["error"] in REFUSALS
        elif response.status_code == 503:
            assert_error(response, 503)

    winners = [(index, response.json()) for index, response in results if response.status_code == 201]
    won_seats = [body["passengers"][0]["seat"] for _, body in winners]
    assert 1 <= len(winners) <= len(free), codes
    assert len(set(won_seats)) == len(won_seats) and set(won_seats) <= set(free)
    if not codes[503]:
        assert codes == {201: 5, 409: BUYERS - 5}, codes
        assert sorted(won_seats) == free
        # and every refusal told the truth: a named seat refused was someone else's
        refused = {seat for _, response in results if response.status_code == 409
                   for seat in response.json()["details"].get("seats", [])}
        assert refused <= early_seats | set(won_seats)

    # each seat is held by the one order that was told it got it
    owners = seat_owners(system, flight)
    assert all(owners[seat] == early_order["id"] for seat in early_seats)
    assert all(owners[seat] == body["id"] for seat, (_, body) in zip(won_seats, winners))
    statuses = seat_statuses(system, flight)
    assert set(statuses) == set(BUSINESS) | set(ECONOMY)
    assert all(statuses[seat] == "available" for seat in BUSINESS)
    assert all(statuses[seat] == "held" for seat in early_seats | set(won_seats))
    if not codes[503]:
        assert Counter(statuses.values()) == {"held": 12, "available": 4}

    def settle(winner):
        index, body = winner
        client, _ = buyers[index]
        pay(client, body["id"])
        return wait_for_status(client, body["id"], "TICKETED", timeout=30)

    ticketed = list(eventlet.GreenPool(5).imap(settle, winners))
    numbers = [t["number"] for order in ticketed for t in order["tickets"]]
    sold = [t["seat"] for order in ticketed for t in order["tickets"]]
    assert len(set(numbers)) == len(winners) and sorted(sold) == sorted(won_seats)
    statuses = seat_statuses(system, flight)
    assert sorted(seat for seat, status in statuses.items() if status == "sold") == sorted(won_seats)
    assert all(statuses[seat] == "held" for seat in early_seats)
    if not codes[503]:
        assert Counter(statuses.values()) == {"sold": 5, "held": 7, "available": 4}
    money = flight_money(system, flight)
    assert money["captured"] == money["ticketed"] == sum(order["amount"] for order in ticketed)
    assert money["refunded"] == 0
    for order in ticketed:
        assert_each_effect_once(system, order["id"])
