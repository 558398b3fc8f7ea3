"""Involuntary changes through the gateway (issue 15, item 2): a delay of at least
DISRUPTION_DELAY_MINUTES, a retime that breaks a connection and a cancellation mark every
affected booking with a ``disruption``; its refund option refunds in full; the traveller is
emailed (notify, through order's ``booking_disrupted``); a delay's knock-on conflicts are
reported to admins at ``GET /admin/conflicts``."""
from datetime import datetime, timedelta

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.booking import get_order, pay, place, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.test_notify import notifications, traveller
from tests.test_notify_facts import replayed


def new_flight(system, admin, departure, airplane=None, **overrides):
    flight = schedule_flight(admin, airplane or create_airplane(admin), departure, **overrides)
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return flight


def ticketed_booking(client, flight_id, *names):
    order = place(client, flight_id, *({"name": name} for name in names or ("Ada Lovelace",)))
    pay(client, order["id"])
    return wait_for_status(client, order["id"], "TICKETED", timeout=30)


def delay(admin, flight, by):
    departure = datetime.fromisoformat(flight["departure_at"]) + by
    response = admin.patch(f"/flights/{flight['id']}/status",
                           json={"status": "delayed", "departure_at": departure.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


def disrupted(client, order_id, reason=None):
    return wait_until(lambda: (lambda order: order if order.get("disruption") and (
        reason is None or order["disruption"]["reason"] == reason) else None)(get_order(client, order_id)),
        timeout=30, what=f"order {order_id} disrupted")


def test_a_long_delay_disrupts_its_bookings_a_short_one_does_not_and_refund_is_full(system, mail):
    admin = admin_client(system)
    departure = utc_in(days=10).replace(hour=3, minute=0)
    short, long = new_flight(system, admin, departure), new_flight(system, admin, departure)
    user, client = traveller(system)
    on_short = ticketed_booking(client, short["id"])
    on_long = ticketed_booking(client, long["id"], "Ada Lovelace", "Charles Babbage")

    delay(admin, short, timedelta(hours=1))
    delay(admin, long, timedelta(hours=4))

    order = disrupted(client, on_long["id"], "delay")
    disruption = order["disruption"]
    assert disruption["flight_id"] == long["id"] and disruption["segment"] == 0
    assert datetime.fromisoformat(disruption["since"]) <= datetime.now(departure.tzinfo)
    refund, move = disruption["options"]
    assert refund == {"type": "refund"}
    assert move["type"] == "move"
    # the window runs from the flight's (new) departure
    assert datetime.fromisoformat(move["until"]) == departure + timedelta(hours=4) + timedelta(hours=72)
    assert order["disruptions"] == [disruption]
    # the same view when managing the booking without an account
    booking = system.http.get(f"/bookings/{order['booking_ref']}", params={"last_name": "Lovelace"}).json()
    assert booking["disruption"] == disruption
    assert "disruption" not in get_order(client, on_short["id"])  # an hour late: not disrupted

    # the traveller is told, once
    [message] = wait_until(lambda: [m for m in mail.messages(to=user["email"])
                                    if "is disrupted" in m["Subject"]] or None, timeout=30,
                           what="the disrupted email")
    assert order["booking_ref"] in message["Subject"]

    # the fact again (redelivered, or a further delay): no second disruption, no second email
    fact = {"flight_id": long["id"], "delay_minutes": 300, "departure_at": order["disruption"]["since"]}
    replayed(system, "track", "flight_retimed", fact)
    assert get_order(client, on_long["id"])["disruptions"] == [disruption]
    assert len([m for m in mail.messages(to=user["email"]) if "is disrupted" in m["Subject"]]) == 1
    assert [item["kind"] for item in notifications(client)["items"]].count("disrupted") == 1

    # taking the refund option: cancelled for the disruption, the whole amount back
    assert client.post(f"/orders/{on_long['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, on_long["id"], "REFUNDED", timeout=30)
    assert refunded["refund"]["amount"] == refunded["amount"]
    assert refunded["refund"]["reason"] == "disruption"
    assert refunded["cancel_reason"] == "disruption"


def test_a_retime_that_leaves_too_short_a_connection_breaks_it(system):
    admin = admin_client(system)
    departure = utc_in(days=12).replace(hour=1, minute=0)
    first = new_flight(system, admin, departure)  # CGK-DPS, 1 h 50
    second = new_flight(system, admin, departure + timedelta(hours=3), origin="DPS", destination="CGK")
    _user, client = traveller(system)
    response = client.post("/orders", json={
        "segments": [{"flight_id": first["id"]}, {"flight_id": second["id"]}],
        "passengers": [{"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1990-04-01",
                        "type": "adult"}]})
    assert response.status_code == 201, response.text
    order = response.json()

    delay(admin, first, timedelta(minutes=50))  # lands 20 minutes before the connection leaves

    disruption = disrupted(client, order["id"], "connection_broken")["disruption"]
    assert disruption["flight_id"] == first["id"] and disruption["segment"] == 0
    assert [option["type"] for option in disruption["options"]] == ["refund", "move"]


def test_a_cancelled_flight_disrupts_its_paid_bookings_and_refunds_them(system):
    admin = admin_client(system)
    flight = new_flight(system, admin, utc_in(days=14))
    _user, client = traveller(system)
    order = ticketed_booking(client, flight["id"])

    response = admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"})
    assert response.status_code == 200, response.text

    disruption = disrupted(client, order["id"], "cancelled")["disruption"]
    assert disruption["options"] == [{"type": "refund"}]
    refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
    assert refunded["refund"]["amount"] == refunded["amount"]


def test_a_delay_reports_its_knock_on_conflicts_to_admins(system):
    admin = admin_client(system)
    airplane = create_airplane(admin)
    departure = utc_in(days=16).replace(hour=0, minute=0)
    first = new_flight(system, admin, departure, airplane)
    following = new_flight(system, admin, departure + timedelta(hours=5), airplane)
    response = admin.post(f"/airplanes/{airplane['id']}/maintenance", json={
        "starts_at": (departure + timedelta(hours=12)).isoformat(),
        "ends_at": (departure + timedelta(hours=16)).isoformat(), "reason": "A-check"})
    assert response.status_code == 201, response.text
    window = response.json()

    first = delay(admin, first, timedelta(hours=4))  # 04:00-05:50 runs into the 05:00 flight

    def conflicts_of(flight_id):
        items = admin.get("/admin/conflicts", params={"limit": 100}).json()["items"]
        return [item for item in items if item["flight_id"] == flight_id]

    [busy] = wait_until(lambda: conflicts_of(first["id"]) or None, what="the conflict reported")
    assert busy["kind"] == "airplane_busy" and busy["subject"] == following["id"]
    assert busy["airplane_id"] == airplane["id"] and busy["flight_number"] == first["flight_number"]

    delay(admin, first, timedelta(hours=7))  # now 11:00-12:50: into the maintenance window
    found = wait_until(lambda: (lambda items: items if len(items) == 2 else None)(conflicts_of(first["id"])),
                       what="the maintenance conflict reported")
    maintenance = next(item for item in found if item["kind"] == "maintenance")
    assert maintenance["subject"] == window["id"]

    page = admin.get("/admin/conflicts", params={"limit": 1})
    assert page.status_code == 200 and len(page.json()["items"]) == 1 and page.json()["next_cursor"]
    assert_error(admin.get("/admin/conflicts", params={"limit": 0}), 400)
    assert_error(admin.get("/admin/conflicts", params={"cursor": "nope"}), 400, "INVALID_CURSOR")
    _user, client = traveller(system)
    assert_error(client.get("/admin/conflicts"), 403)
