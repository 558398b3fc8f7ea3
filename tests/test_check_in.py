"""Online check-in and boarding passes through the gateway (issue 16, items 1 and 2): the
window, the owner or booking reference + last name, a seat move, idempotency, the BCBP
string read back field by field, the PDF417 image."""
import concurrent.futures
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.booking import GOOD_CARD, customer, get_order, pay, wait_for_status
from tests.helpers.checkin import check_in, flight_departing, ticketed
from tests.helpers.tickets import seat_statuses
from ticket import bcbp


@pytest.mark.parametrize(("hours", "minutes", "code"), [
    (48, 3, "CHECK_IN_NOT_OPEN"),  # opens 48 h before departure
    (47, 57, None),
    (1, 3, None),
    (0, 57, "CHECK_IN_CLOSED"),  # closes 1 h before
])
def test_check_in_is_open_from_48_hours_to_1_hour_before_departure(system, admin, hours, minutes, code):
    flight = flight_departing(system, admin, hours=hours, minutes=minutes)
    client, _order, [ticket] = ticketed(system, flight["id"])
    response = check_in(client, ticket["number"])
    if code is None:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "checked_in"
    else:
        body = assert_error(response, 409, code)
        assert body["details"]["opens_at"] < body["details"]["closes_at"]


def test_the_owner_checks_in_moves_seat_and_gets_the_same_pass_again(system, admin):
    flight = flight_departing(system, admin, hours=5)
    client, order, [ticket] = ticketed(system, flight["id"], {"name": "Ada King Lovelace", "seat": "6A"})

    first = check_in(client, ticket["number"], seat="14C")
    assert first.status_code == 200, first.text
    boarding_pass = first.json()
    assert boarding_pass["seat"] == "14C" and boarding_pass["sequence"] == 1
    assert boarding_pass["booking_ref"] == order["booking_ref"]
    assert boarding_pass["flight"] == {
        "flight_id": flight["id"], "flight_number": flight["flight_number"], "origin": "CGK",
        "destination": "DPS", "departure_at": flight["departure_at"],
    }
    seats = {s["seat"]: s["status"] for s in system.http.get(f"/flights/{flight['id']}/seats").json()["seats"]}
    assert seats["14C"] == "sold" and seats["6A"] == "available"
    assert client.get(f"/tickets/{ticket['number']}").json()["seat"] == "14C"

    # idempotent: the same pass, whether asked again plainly or naming the seat it has
    assert check_in(client, ticket["number"]).json() == boarding_pass
    assert check_in(client, ticket["number"], seat="14C").json() == boarding_pass
    assert_error(check_in(client, ticket["number"], seat="15C"), 409, "ALREADY_CHECKED_IN")
    assert client.get(f"/tickets/{ticket['number']}/boarding-pass").json() == boarding_pass

    leg = bcbp.parse(boarding_pass["bcbp"])
    departure = datetime.fromisoformat(flight["departure_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    assert leg == bcbp.Leg(
        passenger_name="LOVELACE/ADA KING", pnr=order["booking_ref"], origin="CGK", destination="DPS",
        carrier=flight["flight_number"][:2], flight_number=flight["flight_number"][2:],
        flight_date=departure.timetuple().tm_yday, compartment="Y", seat="14C", sequence=1, passenger_status="1",
        ticket_number=ticket["number"], issue_date=leg.issue_date,
    )


def test_the_bcbp_string_has_the_mandatory_items_at_their_widths(system, admin):
    flight = flight_departing(system, admin, hours=6)
    client, order, [ticket] = ticketed(system, flight["id"], {"name": "Grace Hopper", "seat": "7B"})
    text = check_in(client, ticket["number"]).json()["bcbp"]
    departure = datetime.fromisoformat(flight["departure_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    number = flight["flight_number"][2:]
    assert text[0:2] == "M1"
    assert text[2:22] == "HOPPER/GRACE".ljust(20)
    assert text[22] == "E"
    assert text[23:30] == order["booking_ref"].ljust(7)
    assert text[30:36] == "CGKDPS"
    assert text[36:39] == flight["flight_number"][:2] + " "
    assert text[39:44] == number.rjust(4, "0") + " "
    assert text[44:47] == f"{departure.timetuple().tm_yday:03d}"
    assert text[47] == "Y" and text[48:52] == "007B" and text[52:57] == "0001 " and text[57] == "1"
    assert int(text[58:60], 16) == len(text) - 60
    assert text[60:62] == ">6" and text.endswith(ticket["number"])


def test_check_in_with_booking_reference_and_last_name(system, admin):
    flight = flight_departing(system, admin, hours=4)
    owner, order, [ada, alan] = ticketed(system, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"})
    anonymous, (stranger, _id) = system.http, customer(system)

    assert_error(check_in(anonymous, ada["number"]), 401, "UNAUTHORIZED")
    assert_error(check_in(stranger, ada["number"]), 404)
    assert_error(check_in(anonymous, ada["number"], booking_ref=order["booking_ref"], last_name="Babbage"), 404)
    # the reference names the booking, the last name must be this ticket's passenger's
    assert_error(check_in(anonymous, ada["number"], booking_ref=order["booking_ref"], last_name="Turing"), 404)
    assert_error(check_in(anonymous, ada["number"], booking_ref="ZZZZZZ", last_name="Lovelace"), 404)

    response = check_in(anonymous, ada["number"], booking_ref=order["booking_ref"].lower(), last_name=" lovelace ")
    assert response.status_code == 200, response.text
    assert response.json()["booking_ref"] == order["booking_ref"]
    # the owner sees that pass; the stranger cannot
    assert owner.get(f"/tickets/{ada['number']}/boarding-pass").json() == response.json()
    assert_error(stranger.get(f"/tickets/{ada['number']}/boarding-pass"), 404)
    assert_error(owner.get(f"/tickets/{alan['number']}/boarding-pass"), 409, "NOT_CHECKED_IN")


def proof(booking_ref, last_name):
    """The boarding pass's proof without a token: headers, so the name is in no address."""
    return {"X-Booking-Ref": booking_ref, "X-Last-Name": last_name}


def test_the_boarding_pass_by_booking_reference_and_last_name(system, admin):
    flight = flight_departing(system, admin, hours=4)
    owner, order, tickets = ticketed(system, flight["id"], {"name": "José Muñoz"}, {"name": "Alan Turing"})
    jose, alan = sorted(tickets, key=lambda t: t["passenger_name"] != "José Muñoz")
    anonymous, ref = system.http, order["booking_ref"]
    checked_in = check_in(anonymous, jose["number"], booking_ref=ref, last_name="Muñoz")
    assert checked_in.status_code == 200, checked_in.text
    path = f"/tickets/{jose['number']}/boarding-pass"

    # the right proof, case and accents aside, plain or percent-encoded UTF-8 (how a browser
    # sends what Latin-1 cannot carry) or raw UTF-8 (curl): the pass, and its barcode
    for last_name in ("MUNOZ", "mu%C3%B1oz", "Muñoz".encode()):
        answer = anonymous.get(path, headers=proof(ref.lower(), last_name))
        assert answer.status_code == 200, (last_name, answer.text)
        assert answer.json() == checked_in.json() == owner.get(path).json()
    image = anonymous.get(path, params={"format": "svg"}, headers=proof(ref, "Munoz"))
    assert image.status_code == 200, image.text
    assert image.headers["Content-Type"].startswith("image/svg+xml") and "<rect" in image.text

    # a wrong proof is the same 404 as a ticket that does not exist (few of them: this system's
    # throttle is shared with every test's booking lookups from 127.0.0.1)
    unknown = assert_error(anonymous.get("/tickets/0000000000000/boarding-pass", headers=proof(ref, "Munoz")), 404)
    for wrong in (proof(ref, "Turing"), proof("ZZZZZZ", "Munoz")):
        body = assert_error(anonymous.get(path, headers=wrong), 404, unknown["error"])
        assert body["message"] == unknown["message"]
    # no token and no proof, or half of it: sign in
    assert_error(anonymous.get(path), 401, "UNAUTHORIZED")
    assert_error(anonymous.get(path, headers={"X-Booking-Ref": ref}), 401, "UNAUTHORIZED")
    # the other passenger's proof opens their own ticket only, not checked in yet
    assert_error(anonymous.get(f"/tickets/{alan['number']}/boarding-pass", headers=proof(ref, "turing")),
                 409, "NOT_CHECKED_IN")
    # a token is judged as before, proof or not: a stranger's is no owner's
    stranger, _id = customer(system)
    assert_error(stranger.get(path, headers=proof(ref, "Munoz")), 404)


def test_wrong_boarding_pass_proofs_are_throttled_as_booking_lookups(make_system):
    with make_system(services=["gateway", "order", "ticket"], REDIS_KEY_SCOPE=f"p{uuid.uuid4().hex[:8]}_",
                     BOOKING_LOOKUP_MAX_FAILURES=3, BOOKING_LOOKUP_WINDOW=60) as system:
        http = system.http
        for number in ("0000000000001", "0000000000002", "0000000000003"):
            assert_error(http.get(f"/tickets/{number}/boarding-pass", headers=proof("ABCDEF", "Guess")), 404)
        throttled = http.get("/tickets/0000000000004/boarding-pass", params={"format": "svg"},
                             headers=proof("ABCDEF", "Guess"))
        assert_error(throttled, 429, "TOO_MANY_REQUESTS")
        assert 0 < int(throttled.headers["Retry-After"]) <= 60
        # one throttle for every proof without a token: check-in and the booking lookups are closed too
        assert_error(http.post("/tickets/0000000000004/check-in", json={"booking_ref": "ABCDEF", "last_name": "Guess"}),
                     429, "TOO_MANY_REQUESTS")
        assert_error(http.get("/bookings/ABCDEF", params={"last_name": "Guess"}), 429, "TOO_MANY_REQUESTS")


def test_wrong_check_in_proofs_are_counted_as_booking_lookups(make_system):
    with make_system(services=["gateway", "order", "ticket"], REDIS_KEY_SCOPE=f"c{uuid.uuid4().hex[:8]}_",
                     BOOKING_LOOKUP_MAX_FAILURES=2, BOOKING_LOOKUP_WINDOW=60) as system:
        guess = {"booking_ref": "ABCDEF", "last_name": "Guess"}
        for number in ("0000000000001", "0000000000002"):
            assert_error(system.http.post(f"/tickets/{number}/check-in", json=guess), 404)
        assert_error(system.http.post("/tickets/0000000000003/check-in", json=guess), 429, "TOO_MANY_REQUESTS")


def test_the_boarding_pass_as_a_pdf417_image(system, admin):
    flight = flight_departing(system, admin, hours=7)
    client, _order, [ticket] = ticketed(system, flight["id"])
    assert check_in(client, ticket["number"]).status_code == 200
    response = client.get(f"/tickets/{ticket['number']}/boarding-pass", params={"format": "svg"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in response.text and "<rect" in response.text
    assert_error(client.get(f"/tickets/{ticket['number']}/boarding-pass", params={"format": "png"}), 400)


def test_a_cancelled_ticket_cannot_check_in(system, admin):
    flight = flight_departing(system, admin, hours=8)
    client, order, [ticket] = ticketed(system, flight["id"])
    assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    wait_until(lambda: client.get(f"/tickets/{ticket['number']}").json()["status"] == "cancelled",
               what="the ticket cancelled")
    assert_error(check_in(client, ticket["number"]), 409, "TICKET_NOT_VALID")


def test_a_seat_moved_at_check_in_is_the_bookings_seat_and_a_later_change_moves_it(system, admin):
    """The README's session: check in moving seat, then change to a later flight. The
    booking's seats follow the move (order keeps a copy; the change exchanges the ticket
    at its real seat), so the change is confirmed, and nothing is charged twice."""
    flight = flight_departing(system, admin, hours=5)
    later = flight_departing(system, admin, hours=29)
    client, order, [ticket] = ticketed(system, flight["id"], {"name": "Ada Lovelace", "seat": "6A"})
    assert check_in(client, ticket["number"], seat="14C").status_code == 200

    def seats_shown():
        shown = get_order(client, order["id"])
        return [p["seat"] for p in shown["passengers"]] + [t["seat"] for t in shown["tickets"]]
    wait_until(lambda: seats_shown() == ["14C", "14C"], timeout=30, what="the order showing the seat moved to")

    quoted = client.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": later["id"],
                                                                  "seats": ["7B"]})
    assert quoted.status_code == 201, quoted.text
    confirmed = client.post(f"/orders/{order['id']}/changes/{quoted.json()['id']}/confirm",
                            json={"card": GOOD_CARD} if quoted.json()["amount_due"] else {})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "CONFIRMED" and confirmed.json()["exchanged"] == [ticket["number"]]
    moved = get_order(client, order["id"])
    assert [t["seat"] for t in moved["tickets"]] == ["7B"] and moved["flight_id"] == later["id"]
    old_seats = {s["seat"]: s["status"] for s in system.http.get(f"/flights/{flight['id']}/seats").json()["seats"]}
    assert old_seats["14C"] == "available" and old_seats["6A"] == "available"


def test_an_infant_on_a_lap_checks_in_without_a_seat_and_cannot_move_to_one(system, admin):
    flight = flight_departing(system, admin, hours=5)
    client, _user_id = customer(system)
    placed = client.post("/orders", json={"segments": [{"flight_id": flight["id"]}], "passengers": [
        {"given_name": "Ana", "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult", "seats": ["6A"]},
        {"given_name": "Sari", "family_name": "Putri", "birth_date": (date.today() - timedelta(days=100)).isoformat(),
         "type": "infant"}]})
    assert placed.status_code == 201, placed.text
    pay(client, placed.json()["id"])
    order = wait_for_status(client, placed.json()["id"], "TICKETED", timeout=30)
    lap = next(t for t in order["tickets"] if t["seat"] is None)
    assert_error(check_in(client, lap["number"], seat="14C"), 400)
    assert seat_statuses(system, flight["id"])["14C"] == "available"
    checked_in = check_in(client, lap["number"])
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["seat"] is None


def test_a_seat_move_must_stay_in_the_cabin_and_on_a_free_seat(system, admin):
    flight = flight_departing(system, admin, hours=9)
    client, _order, [ada, alan] = ticketed(system, flight["id"], {"name": "Ada Lovelace", "seat": "6A"},
                                           {"name": "Alan Turing", "seat": "6B"})
    assert_error(check_in(client, ada["number"], seat="1A"), 400)  # business
    assert_error(check_in(client, ada["number"], seat="99Z"), 400)
    assert_error(check_in(client, ada["number"], seat="6B"), 409, "SEAT_UNAVAILABLE")
    assert check_in(client, ada["number"]).json()["seat"] == "6A"


def test_two_passengers_racing_for_one_seat_one_wins(system, admin):
    flight = flight_departing(system, admin, hours=10)
    rounds = []
    for target in ("20A", "20B", "20C"):
        entrants = [ticketed(system, flight["id"]) for _ in range(2)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(check_in, [e[0] for e in entrants], [e[2][0]["number"] for e in entrants],
                                    [target] * 2))
        rounds.append(sorted(a.status_code for a in answers))
        loser = next((a for a in answers if a.status_code == 409), None)
        assert loser is not None, [a.text for a in answers]
        assert loser.json()["error"] == "SEAT_UNAVAILABLE"
        holders = [t for e in entrants for t in e[0].get("/tickets").json()["items"] if t["seat"] == target]
        assert len(holders) == 1
    assert rounds == [[200, 409]] * 3
    with system.rpc() as rpc:
        sequences = [row["sequence"] for row in rpc.ticket.boarding_status(flight["id"]) if row["sequence"]]
    assert sorted(sequences) == [1, 2, 3]
