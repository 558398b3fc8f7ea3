"""The gate scan and no-shows through the gateway (issue 16, item 3): a checked-in
passenger boards once; a pass for another flight, or of a passenger not checked in, is
refused by code; what ticket tells the manifest; after departure whoever did not board
is a no-show."""
from datetime import date

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.checkin import boarding_status, check_in, flight_departing, ticketed
from ticket import bcbp


@pytest.fixture(scope="module")
def admin(system):
    return admin_client(system)


def scan(client, flight_id, text):
    return client.post(f"/flights/{flight_id}/boarding", json={"bcbp": text})


def forged_pass(flight, ticket, booking_ref):
    """A well-formed pass for a ticket nobody checked in."""
    return bcbp.encode(passenger_name=ticket["passenger_name"], pnr=booking_ref, origin="CGK", destination="DPS",
                       flight_number=flight["flight_number"], local_departure_date=date.today(),
                       cabin_class="economy", seat=ticket["seat"], sequence=9, ticket_number=ticket["number"],
                       issued_on=date.today())


def test_boarding_at_the_gate_then_no_shows_after_departure(system, admin):
    flight = flight_departing(system, admin, hours=3)
    other = flight_departing(system, admin, hours=4)
    client, order, [ada, alan, grace] = ticketed(
        system, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"}, {"name": "Grace Hopper"})
    elsewhere_client, _order, [elsewhere] = ticketed(system, other["id"])
    ada_pass = check_in(client, ada["number"]).json()["bcbp"]
    alan_pass = check_in(client, alan["number"]).json()["bcbp"]
    elsewhere_pass = check_in(elsewhere_client, elsewhere["number"]).json()["bcbp"]
    assert boarding_status(system, flight["id"]) == {
        ada["number"]: "checked_in", alan["number"]: "checked_in", grace["number"]: "not_checked_in"}

    assert_error(scan(client, flight["id"], ada_pass), 403)
    boarded = scan(admin, flight["id"], ada_pass)
    assert boarded.status_code == 200, boarded.text
    assert boarded.json()["ticket_number"] == ada["number"] and boarded.json()["sequence"] == 1
    assert_error(scan(admin, flight["id"], ada_pass), 409, "ALREADY_BOARDED")
    assert_error(scan(admin, flight["id"], elsewhere_pass), 409, "WRONG_FLIGHT")
    assert_error(scan(admin, flight["id"], forged_pass(flight, grace, order["booking_ref"])), 409, "NOT_CHECKED_IN")
    assert_error(scan(admin, flight["id"], "M1NOT A PASS"), 400, "INVALID_BOARDING_PASS")
    assert_error(scan(admin, "no-such-flight", alan_pass), 404)
    assert boarding_status(system, flight["id"])[ada["number"]] == "boarded"

    for status in ("boarding", "departed"):
        response = admin.patch(f"/flights/{flight['id']}/status", json={"status": status})
        assert response.status_code == 200, response.text
    expected = {ada["number"]: "boarded", alan["number"]: "no_show", grace["number"]: "no_show"}
    wait_until(lambda: boarding_status(system, flight["id"]) == expected, what="no-shows after departure")
    assert_error(scan(admin, flight["id"], alan_pass), 409, "BOARDING_CLOSED")
    assert client.get(f"/tickets/{alan['number']}/boarding-pass").json()["status"] == "no_show"
