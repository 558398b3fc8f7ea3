"""Check-in and boarding through the gateway (tests/test_check_in*.py): flights scheduled
by the admin at chosen times (check-in needs track's flight number, route and time zone),
tickets bought by real customers."""
from tests.helpers.booking import customer, pay, place, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import wait_until

ONE_HOUR_CABINS = [
    {"class": "business", "rows": [1, 2], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 25], "layout": "ABC-DEF"},
]


def flight_departing(system, admin, hours=0, minutes=0):
    """A flight (track's answer) departing that long from now, its inventory at ticket."""
    airplane = create_airplane(admin, cabins=ONE_HOUR_CABINS)
    flight = schedule_flight(admin, airplane, utc_in(hours=hours, minutes=minutes))
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200, timeout=30,
               what="the flight's seat inventory")
    return flight


def ticketed(system, flight_id, *passengers, client=None):
    """A customer's paid booking on the flight, once ticketed: ``(client, order, [tickets])``."""
    if client is None:
        client, _user_id = customer(system)
    order = place(client, flight_id, *(passengers or [{"name": "Ada Lovelace"}]))
    pay(client, order["id"])
    order = wait_for_status(client, order["id"], "TICKETED", timeout=30)
    tickets = [t for t in client.get("/tickets").json()["items"] if t["order_id"] == order["id"]]
    return client, order, sorted(tickets, key=lambda t: t["number"])


def check_in(client, number, seat=None, **body):
    if seat is not None:
        body["seat"] = seat
    return client.post(f"/tickets/{number}/check-in", json=body)


def boarding_status(staff, flight_id):
    """``{ticket number: check-in state}`` of the flight: the boarding list a gate agent
    (or an admin) reads at ``GET /flights/{id}/boarding``."""
    response = staff.get(f"/flights/{flight_id}/boarding")
    assert response.status_code == 200, response.text
    listed = response.json()
    assert listed["flight_id"] == flight_id and listed["count"] == len(listed["passengers"])
    return {row["ticket_number"]: row["check_in"] for row in listed["passengers"]}
