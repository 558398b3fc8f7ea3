"""Buyers race with two-segment orders for the last seats of two flights (issue 14).

Every seat on both flights is held in one ticket transaction or none is: however the
race goes, no seat is held twice, no order holds seats on one flight only, every
winner holds a seat per passenger on each flight, and every loser gets a clean JSON
409 (or 503 when the machine is too slow to answer in time). Half the buyers name
seats, in opposite seat orders on the two flights, half take assigned ones: the
global ``(flight_id, seat)`` lock order keeps them from deadlocking."""
import random
from collections import Counter, defaultdict
from datetime import timedelta

import eventlet

from tests.helpers import assert_error
from tests.helpers.accounts import admin_client
from tests.helpers.booking import customer
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import wait_until
from tests.helpers.tickets import TicketDb

BUYERS = 30
TINY = [{"class": "economy", "rows": [1, 2], "layout": "AB"}]  # 4 seats
SEATS = ["1A", "1B", "2A", "2B"]
REFUSALS = {"SEAT_UNAVAILABLE", "NOT_ENOUGH_SEATS"}


def test_buyers_racing_with_two_segment_orders_never_leave_a_partial_hold(system):
    admin = admin_client(system)
    legs = []
    for origin, destination, days in (("CGK", "DPS", 30), ("DPS", "CGK", 33)):
        airplane = create_airplane(admin, cabins=TINY)
        legs.append(schedule_flight(admin, airplane, utc_in(days=days), origin=origin, destination=destination,
                                    duration=timedelta(hours=2)))
    for leg in legs:
        wait_until(lambda leg=leg: system.http.get(f"/flights/{leg['id']}/seats").status_code == 200,
                   what="the inventory")
    out, back = legs
    buyers = [customer(system) for _ in range(BUYERS)]
    rng = random.Random(14)

    def buy(index):
        client, _ = buyers[index]
        passengers = [{"given_name": f"Buyer{chr(65 + index % 26)}", "family_name": "Racer",
                       "birth_date": "1980-01-01", "type": "adult"} for _ in range(2)]
        if index % 2:
            there, home = rng.sample(SEATS, 2), rng.sample(SEATS, 2)
            for passenger, seat_out, seat_back in zip(passengers, sorted(there), sorted(home, reverse=True)):
                passenger["seats"] = [seat_out, seat_back]
        body = {"segments": [{"flight_id": out["id"]}, {"flight_id": back["id"]}], "passengers": passengers}
        return client.post("/orders", json=body)

    results = list(eventlet.GreenPool(BUYERS).imap(buy, range(BUYERS)))
    codes = Counter(response.status_code for response in results)
    assert set(codes) <= {201, 409, 503}, codes
    for response in results:
        if response.status_code == 409:
            assert assert_error(response, 409)["error"] in REFUSALS
        elif response.status_code == 503:
            assert_error(response, 503)
    winners = [response.json() for response in results if response.status_code == 201]
    assert 1 <= len(winners) <= 2, codes

    rows = TicketDb(system.config).rows(
        "SELECT flight_id, seat, order_id FROM seats WHERE flight_id IN (:a, :b) AND order_id IS NOT NULL "
        "AND status = 'held' AND hold_expires_at > now()", a=out["id"], b=back["id"])
    held = defaultdict(lambda: defaultdict(set))
    for row in rows:
        held[row["order_id"]][row["flight_id"]].add(row["seat"])
    for order_id, by_flight in held.items():  # nobody holds one flight only, or one seat for two passengers
        assert {len(by_flight[out["id"]]), len(by_flight[back["id"]])} == {2}, (order_id, by_flight)
    winner_ids = {order["id"] for order in winners}
    if not codes[503]:
        assert set(held) == winner_ids
    else:  # a timed-out buyer's hold may stand until its expiry, whole
        assert winner_ids <= set(held)
    for order in winners:
        for position, leg in enumerate((out, back)):
            seats = {p["segments"][position]["seat"] for p in order["passengers"]}
            assert seats == held[order["id"]][leg["id"]]
