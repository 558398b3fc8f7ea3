"""Voluntary changes through the gateway (issue 15): a ticketed booking moved to another
flight of the same route, quoted then confirmed; the tickets exchanged for new ones on
the new flight, seats moved (changes that move money: test_booking_change_payments.py).
Priced by the rules the booking was sold under (its ``fares``), never the catalogue's
current ones; the new flight at the same family."""
import contextlib
import re
from datetime import timedelta

import eventlet

from tests.helpers import assert_error, wait_until
from tests.helpers.booking import GOOD_CARD, customer, get_order, pay, place, store, wait_for_status
from tests.helpers.fleet import schedule_flight, utc_in
from tests.helpers.tickets import seat_map, seat_statuses

TICKET_NUMBER = re.compile(r"^[0-9]{13}$")


_days = iter(range(20, 400, 3))


def a_flight(system, admin, airplane, **overrides):
    flight = schedule_flight(admin, airplane, utc_in(days=next(_days)), duration=timedelta(hours=2), **overrides)
    wait_until(lambda: seat_map(system, flight["id"]), timeout=30, what="the flight's seats in ticket")
    return flight


def ticketed(client, flight_id, *passengers):
    order = place(client, flight_id, *(passengers or ({"name": "Ada Lovelace", "seat": "6A"},)))
    pay(client, order["id"], GOOD_CARD)
    return wait_for_status(client, order["id"], "TICKETED", timeout=30)


@contextlib.contextmanager
def standard_rules(admin, **rules):
    """The standard family's rules changed for the block, then put back: a booking sold in
    the block keeps them (its ``fares``), whatever the catalogue says afterwards."""
    families = admin.get("/fare-families").json()["items"]
    before = next(f for f in families if f["code"] == "standard")
    keys = ("name", "refundable", "refund_fee_percent", "changeable", "change_fee_percent", "free_seat_choice",
            "checked_bag_kg")
    original = {key: before[key] for key in keys if key in before}
    changed = admin.put("/fare-families/standard", json=dict(original, **rules))
    assert changed.status_code == 200, changed.text
    try:
        yield
    finally:
        restored = admin.put("/fare-families/standard", json=original)
        assert restored.status_code == 200, restored.text


def quote(client, order_id, flight_id, seats=None, expect=201):
    body = {"segment": 0, "flight_id": flight_id}
    if seats is not None:
        body["seats"] = seats
    response = client.post(f"/orders/{order_id}/changes", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def confirm(client, order_id, change_id):
    return client.post(f"/orders/{order_id}/changes/{change_id}/confirm", json={})


def order_tickets(system, order_id):
    with system.rpc() as rpc:
        return rpc.ticket.tickets_for_order(order_id)


def test_a_free_change_exchanges_the_tickets_and_moves_the_seat(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    with standard_rules(admin, change_fee_percent=0):  # sold under a standard fare that changes free
        order = ticketed(client, first["id"])
    [old_ticket] = order["tickets"]

    quoted = quote(client, order["id"], second["id"], seats=["6C"])
    assert quoted["status"] == "QUOTED" and quoted["segment"] == 0 and quoted["flight_id"] == second["id"]
    assert (quoted["fee"], quoted["amount_due"], quoted["refund_due"]) == (0, 0, 0)
    assert quoted["currency"] == "IDR" and quoted["expires_at"] and quoted["id"]

    done = confirm(client, order["id"], quoted["id"])
    assert done.status_code == 200, done.text
    change = done.json()
    assert change["status"] == "CONFIRMED" and change["exchanged"] == [old_ticket["number"]]
    [new_number] = change["tickets"]
    assert TICKET_NUMBER.match(new_number) and new_number != old_ticket["number"]

    changed = get_order(client, order["id"])
    assert changed["status"] == "TICKETED" and changed["flight_id"] == second["id"]
    assert changed["passengers"][0]["seat"] == "6C" and changed["amount"] == order["amount"]
    [ticket] = changed["tickets"]
    assert (ticket["number"], ticket["flight_id"], ticket["seat"], ticket["status"]) == (
        new_number, second["id"], "6C", "issued")
    assert [c["change_id"] for c in changed["changes"]] == [change["id"]]
    # the booking now holds the new flight's standard fare, as quoted for the change: today's rules (10 %)
    [fare] = changed["fares"]
    assert (fare["flight_id"], fare["family"], fare["rules"]["change_fee_percent"]) == (second["id"], "standard", 10)
    by_number = {t["number"]: t for t in order_tickets(system, order["id"])}
    assert by_number[old_ticket["number"]]["status"] == "exchanged"
    assert client.get(f"/tickets/{old_ticket['number']}").json()["status"] == "exchanged"
    assert seat_statuses(system, first["id"])["6A"] == "available"
    assert seat_statuses(system, second["id"])["6C"] == "sold"

    again = confirm(client, order["id"], quoted["id"])  # the same answer, nothing done twice
    assert again.status_code == 200 and again.json() == change
    assert len(order_tickets(system, order["id"])) == 2
    _, db = store(system, "order")
    wait_until(lambda: db.orders.find_one({"_id": order["id"]})["outbox_pending"] == 0,
               what="booking_changed published")


def test_refusals(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    elsewhere = a_flight(system, admin, airplane, destination="SUB")
    client, _ = customer(system)
    order = ticketed(client, first["id"])
    with standard_rules(admin, changeable=False, change_fee_percent=100):  # sold under rules like light's
        fixed = ticketed(client, first["id"], {"name": "Bo Fixed", "seat": "6B"})

    # the rules it was sold under refuse it, though the catalogue's standard allows changes again
    assert_error(client.post(f"/orders/{fixed['id']}/changes", json={"segment": 0, "flight_id": second["id"]}),
                 409, "CHANGE_NOT_ALLOWED")
    assert_error(client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": elsewhere["id"]}),
                 409, "DIFFERENT_ROUTE")
    for body in ({"segment": "x", "flight_id": second["id"]}, {"segment": 1, "flight_id": second["id"]},
                 {"flight_id": second["id"]}, {"segment": 0}, {"segment": 0, "flight_id": first["id"]},
                 {"segment": 0, "flight_id": second["id"], "seats": ["6C", "6D"]},
                 {"segment": 0, "flight_id": second["id"], "seats": ["nope"]}):
        assert_error(client.post(f"/orders/{order['id']}/changes", json=body), 400)
    assert_error(client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": "0" * 24}), 404)
    assert_error(client.post(f"/orders/{'0' * 24}/changes", json={"segment": 0, "flight_id": second["id"]}), 404)
    stranger, _ = customer(system)
    assert_error(stranger.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": second["id"]}),
                 404)
    unpaid = place(client, first["id"], {"name": "Bo Pending"})
    assert_error(client.post(f"/orders/{unpaid['id']}/changes", json={"segment": 0, "flight_id": second["id"]}),
                 409, "ORDER_NOT_TICKETED")

    # the standard fare's 10 % fee is money due: quoted (the catalogue forbidding changes now does
    # not touch a booking sold before), and confirmed only with a card
    with standard_rules(admin, changeable=False, change_fee_percent=100):
        dear = quote(client, order["id"], second["id"])
    assert dear["fee"] == order["amount"] // 10 and dear["amount_due"] == dear["fee"]
    assert "card" in assert_error(confirm(client, order["id"], dear["id"]), 400)["details"]["fields"]
    assert_error(client.post(f"/orders/{order['id']}/changes/{dear['id']}/confirm", json={"card": "x"}), 400)
    assert_error(stranger.post(f"/orders/{order['id']}/changes/{dear['id']}/confirm", json={}), 404)
    assert_error(confirm(client, order["id"], "0" * 24), 404)
    unchanged = get_order(client, order["id"])
    assert unchanged["flight_id"] == first["id"] and unchanged["tickets"] == order["tickets"]

    third = a_flight(system, admin, airplane)
    assert admin.patch(f"/flights/{third['id']}/status", json={"status": "cancelled"}).status_code == 200
    assert_error(client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": third["id"]}),
                 409, "FLIGHT_NOT_BOOKABLE")
    assert admin.patch(f"/flights/{first['id']}/status", json={"status": "boarding"}).status_code == 200
    assert_error(client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": second["id"]}),
                 409, "FLIGHT_DEPARTED")


def test_an_expired_quote_is_refused(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    with standard_rules(admin, change_fee_percent=0):
        order = ticketed(client, first["id"])
    quoted = quote(client, order["id"], second["id"])
    _, db = store(system, "order")  # CHANGE_QUOTE_TTL_SECONDS has passed: the quote's lapse moved back
    db.order_changes.update_one({"_id": quoted["id"]}, {"$set": {"expires_at_ms": 0}})

    assert_error(confirm(client, order["id"], quoted["id"]), 409, "QUOTE_EXPIRED")
    assert_error(confirm(client, order["id"], quoted["id"]), 409, "QUOTE_EXPIRED")
    assert get_order(client, order["id"])["tickets"] == order["tickets"]
    assert seat_statuses(system, second["id"])["6A"] == "available"


def test_two_changes_racing_for_one_seat(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    travellers = [customer(system)[0] for _ in range(2)]
    with standard_rules(admin, change_fee_percent=0):
        orders = [ticketed(client, first["id"], {"name": "Ada Lovelace", "seat": seat})
                  for client, seat in zip(travellers, ("6A", "6B"))]
    quotes = [quote(client, order["id"], second["id"], seats=["7C"]) for client, order in zip(travellers, orders)]

    answers = list(eventlet.GreenPool(2).imap(
        lambda i: confirm(travellers[i], orders[i]["id"], quotes[i]["id"]), range(2)))

    assert sorted(a.status_code for a in answers) == [200, 409], "\n".join(a.text for a in answers)
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    loser = 1 - winner
    assert_error(answers[loser], 409, "SEAT_UNAVAILABLE")
    assert_error(confirm(travellers[loser], orders[loser]["id"], quotes[loser]["id"]), 409, "SEAT_UNAVAILABLE")
    on_second = [t for o in orders for t in order_tickets(system, o["id"])
                 if t["flight_id"] == second["id"] and t["status"] == "issued"]
    assert [t["seat"] for t in on_second] == ["7C"]
    assert seat_statuses(system, second["id"])["7C"] == "sold"
    lost = get_order(travellers[loser], orders[loser]["id"])
    assert lost["flight_id"] == first["id"] and lost["tickets"] == orders[loser]["tickets"]
    assert seat_statuses(system, first["id"])[("6A", "6B")[loser]] == "sold"
    assert seat_statuses(system, first["id"])[("6A", "6B")[winner]] == "available"


def test_a_change_racing_the_new_flight_cancellation_ends_consistently(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    with standard_rules(admin, change_fee_percent=0):
        order = ticketed(client, first["id"])
    quoted = quote(client, order["id"], second["id"])

    pool = eventlet.GreenPool(2)
    confirming = pool.spawn(confirm, client, order["id"], quoted["id"])
    cancelling = pool.spawn(admin.patch, f"/flights/{second['id']}/status", json={"status": "cancelled"})
    answer, cancelled = confirming.wait(), cancelling.wait()
    assert cancelled.status_code == 200, cancelled.text

    if answer.status_code == 200:  # changed, then the new flight's cancellation refunds the booking
        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
        assert refunded["flight_id"] == second["id"]
    else:  # not changed: still ticketed on the first flight
        assert answer.status_code == 409, answer.text
        unchanged = get_order(client, order["id"])
        assert unchanged["status"] == "TICKETED" and unchanged["flight_id"] == first["id"]
        assert unchanged["tickets"] == order["tickets"]
    wait_until(lambda: not [t for t in order_tickets(system, order["id"])
                            if t["flight_id"] == second["id"] and t["status"] == "issued"],
               timeout=30, what="no valid ticket on the cancelled flight")


def test_a_round_trip_with_an_infant_changes_its_way_back(system, admin, airplane):
    out = a_flight(system, admin, airplane)
    back, later_back = (a_flight(system, admin, airplane, origin="DPS", destination="CGK") for _ in range(2))
    too_late_out = a_flight(system, admin, airplane)  # leaves after the way back
    client, _ = customer(system)
    born = utc_in(days=-100).date().isoformat()
    body = {"segments": [{"flight_id": out["id"], "class": "economy"}, {"flight_id": back["id"], "class": "economy"}],
            "passengers": [{"given_name": "Ana", "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult",
                            "seats": ["6A", "7A"]},
                           {"given_name": "Sari", "family_name": "Putri", "birth_date": born, "type": "infant"}]}
    with standard_rules(admin, change_fee_percent=0):
        placed = client.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    pay(client, placed.json()["id"], GOOD_CARD)
    order = wait_for_status(client, placed.json()["id"], "TICKETED", timeout=30)

    assert_error(client.post(f"/orders/{order['id']}/changes",
                             json={"segment": 0, "flight_id": too_late_out["id"]}), 400)
    assert_error(client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": later_back["id"]}),
                 409, "DIFFERENT_ROUTE")
    quoted = client.post(f"/orders/{order['id']}/changes",
                         json={"segment": 1, "flight_id": later_back["id"], "seats": ["8B"]})
    assert quoted.status_code == 201, quoted.text
    assert (quoted.json()["amount_due"], quoted.json()["refund_due"]) == (0, 0)
    done = confirm(client, order["id"], quoted.json()["id"])
    assert done.status_code == 200, done.text
    assert len(done.json()["exchanged"]) == len(done.json()["tickets"]) == 2

    changed = get_order(client, order["id"])
    assert [s["flight_id"] for s in changed["segments"]] == [out["id"], later_back["id"]]
    assert changed["segments"][1]["departure_at"] == track_flight(system, later_back["id"])["departure_at"]
    ana, sari = changed["passengers"]
    assert [s["seat"] for s in ana["segments"]] == ["6A", "8B"]
    assert [s["seat"] for s in sari["segments"]] == [None, None]
    assert ana["price"] == order["passengers"][0]["price"] and sari["price"] == order["passengers"][1]["price"]
    tickets = {(t["flight_id"], t["passenger_type"], t["seat"]) for t in changed["tickets"]}
    assert tickets == {(out["id"], "adult", "6A"), (out["id"], "infant", None),
                       (later_back["id"], "adult", "8B"), (later_back["id"], "infant", None)}
    statuses = sorted((t["flight_id"] == back["id"], t["status"]) for t in order_tickets(system, order["id"]))
    assert statuses == [(False, "issued")] * 4 + [(True, "exchanged")] * 2
    assert seat_statuses(system, back["id"])["7A"] == "available"
    assert seat_statuses(system, later_back["id"])["8B"] == "sold"
    assert [(f["segment"], f["flight_id"]) for f in changed["fares"]] == [(0, out["id"]), (1, later_back["id"])]


FAMILY_FARES = {"light": 990_000, "standard": 1_250_000, "flex": 1_900_000}


def a_family_flight(system, admin, airplane, **prices):
    """A flight selling the three families in economy at ``FAMILY_FARES``, any of them
    priced otherwise by ``prices`` (e.g. ``flex=2_100_000``)."""
    return a_flight(system, admin, airplane, fares={"economy": dict(FAMILY_FARES, **prices), "business": 4_500_000})


def sold_at(client, flight, fare, seat=None):
    body = {"segments": [{"flight_id": flight["id"], "class": "economy", "fare": fare}],
            "passengers": [{"given_name": "Ana", "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult",
                            "seats": [seat]}]}
    placed = client.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    pay(client, placed.json()["id"], GOOD_CARD)
    return wait_for_status(client, placed.json()["id"], "TICKETED", timeout=30)


def test_a_change_keeps_the_fare_family_and_the_booking_holds_the_new_flights_fare(system, admin, airplane):
    first, same_price = a_family_flight(system, admin, airplane), a_family_flight(system, admin, airplane)
    dearer = a_family_flight(system, admin, airplane, flex=2_100_000)
    standard_only = a_flight(system, admin, airplane)  # sells standard, not flex
    client, _ = customer(system)
    flex, light = sold_at(client, first, "flex", seat="6A"), sold_at(client, first, "light")

    assert_error(client.post(f"/orders/{light['id']}/changes", json={"segment": 0, "flight_id": same_price["id"]}),
                 409, "CHANGE_NOT_ALLOWED")
    assert_error(client.post(f"/orders/{flex['id']}/changes", json={"segment": 0, "flight_id": standard_only["id"]}),
                 409, "FARE_NOT_OFFERED")
    # the new flight at the same family: flex there costs 200 000 more, flex has no change fee
    more = quote(client, flex["id"], dearer["id"])
    assert (more["family"], more["fee"], more["fare_difference"], more["amount_due"]) == (
        "flex", 0, 2_100_000 - 1_900_000, 200_000)

    free = quote(client, flex["id"], same_price["id"], seats=["6C"])
    assert (free["family"], free["fee"], free["amount_due"], free["refund_due"]) == ("flex", 0, 0, 0)
    assert confirm(client, flex["id"], free["id"]).status_code == 200
    changed = get_order(client, flex["id"])
    [fare] = changed["fares"]
    assert (fare["flight_id"], fare["family"], fare["amount"]) == (same_price["id"], "flex", 1_900_000)
    assert fare["rules"] == flex["fares"][0]["rules"]
    # a flex fare still refunds everything it was paid
    assert changed["refund_if_cancelled"] == {"amount": flex["amount"], "kept": 0, "reason": "order_cancelled"}


def track_flight(system, flight_id):
    return system.http.get(f"/flights/{flight_id}").json()
