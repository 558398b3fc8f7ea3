"""The gate scan and no-shows through the gateway (issue 16, item 3): a checked-in
passenger boards once; a pass for another flight, or of a passenger not checked in, is
refused by code; the boarding list shows each passenger's state; after departure
whoever did not board is a no-show. The gate is a gate agent's (or an admin's): a
customer is refused, a gate agent demoted loses the gate at once."""
from datetime import date

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import gate_agent_client
from tests.helpers.checkin import boarding_status, check_in, flight_departing, ticketed
from ticket import bcbp


@pytest.fixture(scope="module")
def gate(system, admin):
    return gate_agent_client(system, admin)[0]


def scan(client, flight_id, text):
    return client.post(f"/flights/{flight_id}/boarding", json={"bcbp": text})


def forged_pass(flight, ticket, booking_ref):
    """A well-formed pass for a ticket nobody checked in."""
    return bcbp.encode(passenger_name=ticket["passenger_name"], pnr=booking_ref, origin="CGK", destination="DPS",
                       flight_number=flight["flight_number"], local_departure_date=date.today(),
                       cabin_class="economy", seat=ticket["seat"], sequence=9, ticket_number=ticket["number"],
                       issued_on=date.today())


def test_boarding_at_the_gate_then_no_shows_after_departure(system, admin, gate):
    flight = flight_departing(system, admin, hours=3)
    other = flight_departing(system, admin, hours=4)
    client, order, [ada, alan, grace] = ticketed(
        system, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"}, {"name": "Grace Hopper"})
    elsewhere_client, _order, [elsewhere] = ticketed(system, other["id"])
    ada_pass = check_in(client, ada["number"]).json()["bcbp"]
    alan_pass = check_in(client, alan["number"]).json()["bcbp"]
    elsewhere_pass = check_in(elsewhere_client, elsewhere["number"]).json()["bcbp"]
    assert boarding_status(gate, flight["id"]) == {
        ada["number"]: "checked_in", alan["number"]: "checked_in", grace["number"]: "not_checked_in"}

    assert_error(scan(client, flight["id"], ada_pass), 403, "FORBIDDEN")
    assert_error(client.get(f"/flights/{flight['id']}/boarding"), 403, "FORBIDDEN")
    boarded = scan(gate, flight["id"], ada_pass)
    assert boarded.status_code == 200, boarded.text
    assert boarded.json()["ticket_number"] == ada["number"] and boarded.json()["sequence"] == 1
    assert_error(scan(gate, flight["id"], ada_pass), 409, "ALREADY_BOARDED")
    assert_error(scan(gate, flight["id"], elsewhere_pass), 409, "WRONG_FLIGHT")
    assert_error(scan(gate, flight["id"], forged_pass(flight, grace, order["booking_ref"])), 409, "NOT_CHECKED_IN")
    assert_error(scan(gate, flight["id"], "M1NOT A PASS"), 400, "INVALID_BOARDING_PASS")
    assert_error(scan(gate, "no-such-flight", alan_pass), 404)
    assert boarding_status(gate, flight["id"])[ada["number"]] == "boarded"
    assert boarding_status(admin, flight["id"]) == boarding_status(gate, flight["id"])
    assert_error(gate.get("/flights/no-such-flight/boarding"), 404)

    for status in ("boarding", "departed"):
        response = admin.patch(f"/flights/{flight['id']}/status", json={"status": status})
        assert response.status_code == 200, response.text
    expected = {ada["number"]: "boarded", alan["number"]: "no_show", grace["number"]: "no_show"}
    wait_until(lambda: boarding_status(gate, flight["id"]) == expected, what="no-shows after departure")
    lines = gate.get(f"/flights/{flight['id']}/manifest").json()["passengers"]
    manifest = {line["ticket_number"]: line for line in lines}
    assert {number: line["check_in"] for number, line in manifest.items()} == expected
    assert manifest[ada["number"]]["boarded_at"] and not manifest[alan["number"]]["boarded_at"]
    assert_error(scan(gate, flight["id"], alan_pass), 409, "BOARDING_CLOSED")
    assert client.get(f"/tickets/{alan['number']}/boarding-pass").json()["status"] == "no_show"


def test_an_admin_grants_the_gate_and_a_demoted_gate_agent_loses_it_at_once(system, admin):
    flight = flight_departing(system, admin, hours=5)
    client, order, [ticket] = ticketed(system, flight["id"])
    boarding_pass = check_in(client, ticket["number"]).json()["bcbp"]
    agent, user = gate_agent_client(system, admin)

    manifest = agent.get(f"/flights/{flight['id']}/manifest")
    assert manifest.status_code == 200, manifest.text
    [line] = manifest.json()["passengers"]
    assert (line["ticket_number"], line["check_in"], line["boarded_at"]) == (ticket["number"], "checked_in", None)
    assert_error(client.get(f"/flights/{flight['id']}/manifest"), 403, "FORBIDDEN")
    # the gate, not the office: no roles, no schedules
    assert_error(agent.patch(f"/users/{user['id']}", json={"role": "admin"}), 403, "FORBIDDEN")
    assert_error(agent.patch(f"/flights/{flight['id']}/status", json={"status": "boarding"}), 403, "FORBIDDEN")
    assert boarding_status(agent, flight["id"]) == {ticket["number"]: "checked_in"}

    demoted = admin.patch(f"/users/{user['id']}", json={"role": "customer"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "customer", demoted.text
    # the agent's token still says gate_agent, but its session ended with the demotion
    assert_error(scan(agent, flight["id"], boarding_pass), 401, "TOKEN_REVOKED")
    assert boarding_status(admin, flight["id"]) == {ticket["number"]: "checked_in"}
    assert_error(admin.patch(f"/users/{user['id']}", json={"role": "pilot"}), 400)
