"""100 buyers, each with their own token and HTTP session, race for the last 5
seats: exactly 5 win, everyone else gets a 409, and no seat is sold twice."""
import random
from collections import Counter

import eventlet

from tests.helpers.booking import customer, flight_money, pay, place, schedule_flight, seat_labels, wait_for_status
from tests.helpers.tickets import seat_statuses

BUYERS = 100
ECONOMY = seat_labels(range(2, 5), "ABCD")  # 12 seats


def test_hundred_buyers_race_for_the_last_five_seats(system):
    flight = schedule_flight(system, economy_rows=range(2, 5))
    early, _ = customer(system)
    early_order = place(early, flight, *({"name": f"Early {i}"} for i in range(7)))
    free = sorted(set(ECONOMY) - {p["seat"] for p in early_order["passengers"]})
    assert len(free) == 5

    buyers = [customer(system) for _ in range(BUYERS)]
    rng = random.Random(7)

    def buy(index):
        client, _ = buyers[index]
        passenger = {"name": f"Buyer {index}"}
        if index % 2:  # half name a seat (any economy seat, sold or not), half take what is left
            passenger["seat"] = rng.choice(ECONOMY)
        response = client.post("/orders", json={"flight_id": flight, "passengers": [passenger]})
        return index, response.status_code, response.json()

    results = list(eventlet.GreenPool(BUYERS).imap(buy, range(BUYERS)))
    codes = Counter(code for _, code, _ in results)
    assert codes == {201: 5, 409: BUYERS - 5}, codes
    assert {body["error"] for _, code, body in results if code == 409} <= {"SEAT_UNAVAILABLE", "NOT_ENOUGH_SEATS"}
    winners = [(index, body) for index, code, body in results if code == 201]
    won_seats = [body["passengers"][0]["seat"] for _, body in winners]
    assert sorted(won_seats) == free

    statuses = seat_statuses(system, flight)
    assert Counter(statuses.values()) == {"held": 12, "available": 4}
    assert all(statuses[seat] == "held" for seat in ECONOMY)

    def settle(winner):
        index, body = winner
        client, _ = buyers[index]
        pay(client, body["id"])
        return wait_for_status(client, body["id"], "TICKETED", timeout=30)

    ticketed = list(eventlet.GreenPool(5).imap(settle, winners))
    numbers = [t["number"] for order in ticketed for t in order["tickets"]]
    sold = [t["seat"] for order in ticketed for t in order["tickets"]]
    assert len(set(numbers)) == 5 and sorted(sold) == free
    assert Counter(seat_statuses(system, flight).values()) == {"sold": 5, "held": 7, "available": 4}
    money = flight_money(system, flight)
    assert money["captured"] == money["ticketed"] == sum(order["amount"] for order in ticketed)
    assert money["refunded"] == 0
