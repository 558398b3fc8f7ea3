"""The storefront in a real browser (Debian's chromium, driven by Playwright): a traveller
searches with the airport picker, picks a seat, registers on the way, pays (a declined card
first, shown in words), sees the e-tickets, finds them in "my trips", cancels and sees the
refund; the same on a phone's width with the keyboard; a booking managed by reference and
last name on a phone (cancelled, refund shown); a round trip for an adult and an infant with
fare families and a seat map per flight; check-in and the boarding pass; airport boards and
the messages page; a flight changed to a later one paying the fee and the difference by card,
a light fare that allows no change, a delayed booking moved for free; and an axe-core scan
of every page finds nothing serious or critical.
Screenshots go to docs/storefront/ (the README shows them).

The browser steps are in tests/helpers/browser.py, browser_trips.py and browser_changes.py, run in a process of
its own (one browser for the module); this side makes the flights and accounts through the API."""
import json
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.booking import GOOD_CARD, place, wait_for_status
from tests.helpers.booking import pay as pay_by_api
from tests.helpers.browser import NO_CHROMIUM, ROOT
from tests.helpers.checkin import flight_departing
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import wait_until

PASSWORD = "storefront-long-password"
JAKARTA = ZoneInfo("Asia/Jakarta")
BALI = ZoneInfo("Asia/Makassar")
# seven across with one aisle, after C: a seat map that guessed would draw two (2-3-2)
SEVEN_ACROSS = [{"class": "business", "rows": [1, 3], "layout": "AC-DF"},
                {"class": "economy", "rows": [6, 30], "layout": "ABC-DEFG"}]
FAMILY_FARES = {"economy": {"light": 990000, "standard": 1250000, "flex": 1900000}, "business": 4500000}


class Browser:
    def __init__(self, base_url):
        self.base_url = base_url
        self.process = subprocess.Popen([sys.executable, "-m", "tests.helpers.browser"], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.version = self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"the browser process ended (exit status {self.process.wait()})")
        answer = json.loads(line)
        if not answer["ok"]:
            pytest.fail(answer["error"], pytrace=False)
        return answer["result"]

    def run(self, scenario, name, device="desktop", **kwargs):
        request = {"scenario": scenario, "name": name, "device": device, "base_url": self.base_url, "kwargs": kwargs}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def browser(system):
    if shutil.which("chromium") is None:
        pytest.fail(NO_CHROMIUM)
    running = Browser(system.base_url)
    yield running
    running.close()


def admin_client(system):
    response = system.http.post("/auth/login", json={"email": system.config["ADMIN_EMAIL"],
                                                     "password": system.config["ADMIN_PASSWORD"]})
    assert response.status_code == 200, response.text
    return system.http.as_user(response.json()["access_token"])


@pytest.fixture(scope="module")
def airplane(system):
    return create_airplane(admin_client(system))


def new_flight(system, airplane, days, minutes=0, duration=timedelta(hours=1, minutes=50), **overrides):
    """A flight departing ``days`` and 3 hours (and ``minutes``) from now."""
    flight = schedule_flight(admin_client(system), airplane, utc_in(days=days, hours=3, minutes=minutes),
                             duration=duration, **overrides)
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return flight


def local_date(flight, zone=JAKARTA):
    """The departure's date at the origin (CGK unless told), the date a traveller searches for."""
    return datetime.fromisoformat(flight["departure_at"]).astimezone(zone).date().isoformat()


def account(system, full_name):
    """A registered customer (who can log in in the browser): ``(email, client)``."""
    email = f"store-{uuid.uuid4().hex[:10]}@example.com"
    registered = system.http.post("/auth/register", json={"email": email, "password": PASSWORD, "full_name": full_name})
    assert registered.status_code == 201, registered.text
    token = system.http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    return email, system.http.as_user(token)


def ticketed_booking(system, customer, flight, name, seat):
    order = place(customer, flight["id"], {"name": name, "seat": seat})
    pay_by_api(customer, order["id"], GOOD_CARD)
    return wait_for_status(customer, order["id"], "TICKETED", timeout=30)


def serious_violations(result):
    return {page: problems for page, problems in result["axe"].items() if problems}


def test_a_traveller_searches_picks_a_seat_pays_sees_the_tickets_and_cancels(browser, system, airplane):
    flight = new_flight(system, airplane, days=21)
    result = browser.run("journey", "desktop", flight=flight, date=local_date(flight), seat="7A",
                         full_name="Ana Putri", password=PASSWORD, declined_card_first=True)
    assert len(result["booking_ref"]) == 6 and result["ticket"]


def test_the_same_journey_on_a_phone_with_the_keyboard_where_it_counts(browser, system, airplane):
    flight = new_flight(system, airplane, days=22)
    result = browser.run("journey", "phone", device="phone", flight=flight, date=local_date(flight), seat="12C",
                         full_name="Budi Santoso", password=PASSWORD, keyboard=True)
    page_width, phone_width = result["width"]
    assert page_width <= phone_width, f"the page ({page_width}px) is wider than the phone ({phone_width}px)"


def test_no_page_has_a_serious_or_critical_accessibility_violation(browser, system, airplane):
    flight = new_flight(system, airplane, days=23)
    email, customer = account(system, "Citra Axe")
    pending = place(customer, flight["id"], {"name": "Citra Axe", "seat": "8B"})
    paid = place(customer, flight["id"], {"name": "Citra Axe", "seat": "8C"})
    pay_by_api(customer, paid["id"], GOOD_CARD)
    wait_for_status(customer, paid["id"], "TICKETED")

    serious = browser.run("accessibility", "axe", flight=flight, date=local_date(flight), email=email,
                          password=PASSWORD, pending_order=pending["id"], paid_order=paid["id"])
    assert not serious, json.dumps(serious, indent=1)


def test_a_booking_is_managed_by_reference_and_last_name_on_a_phone(browser, system, airplane):
    flight = new_flight(system, airplane, days=24)
    _email, customer = account(system, "Dewi Lestari")
    order = ticketed_booking(system, customer, flight, "Dewi Lestari", "10A")

    result = browser.run("manage", "phone", device="phone", booking_ref=order["booking_ref"], last_name="lestari")
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    page_width, phone_width = result["width"]
    assert page_width <= phone_width, f"the page ({page_width}px) is wider than the phone ({phone_width}px)"
    refunded = wait_for_status(customer, order["id"], "REFUNDED")
    assert refunded["refund"]["amount"] > 0


def test_a_round_trip_for_an_adult_and_an_infant_with_fare_families_and_a_seat_map_per_flight(browser, system):
    admin = admin_client(system)
    # days no other test schedules on: the page-size check counts every CGK-DPS option of the day
    outbound = new_flight(system, create_airplane(admin, cabins=SEVEN_ACROSS), days=90, fares=FAMILY_FARES)
    back = new_flight(system, create_airplane(admin, cabins=SEVEN_ACROSS), days=93, fares=FAMILY_FARES,
                      origin="DPS", destination="CGK")
    # and a one-stop connection through Surabaya (an hour on the ground)
    via = [new_flight(system, create_airplane(admin), days=90, duration=timedelta(hours=1, minutes=30),
                      destination="SUB"),
           new_flight(system, create_airplane(admin), days=90, minutes=150, duration=timedelta(hours=1),
                      origin="SUB")]
    # the seat map tells where the aisles are
    assert system.http.get(f"/flights/{outbound['id']}/seats").json()["cabins"] == SEVEN_ACROSS
    date = local_date(outbound)
    infant_birth_date = (datetime.fromisoformat(date) - timedelta(days=200)).date().isoformat()

    result = browser.run("round_trip", "desktop", outbound=outbound, back=back, via=via, date=date,
                         return_date=local_date(back, BALI), infant_birth_date=infant_birth_date, password=PASSWORD)
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)

    found = admin.get("/admin/orders", params={"booking_ref": result["booking_ref"]}).json()["items"]
    [order] = found
    assert [s["flight_id"] for s in order["segments"]] == [outbound["id"], back["id"]]
    assert [s["fare"] for s in order["segments"]] == ["standard", "standard"]
    adult, infant = order["passengers"]
    assert (adult["type"], infant["type"], infant["on_lap_of"]) == ("adult", "infant", 0)
    assert [s["seat"] for s in adult["segments"]] == ["7A", "9C"]
    assert [s["price"] for s in infant["segments"]] == [s["price"] * 10 // 100 for s in adult["segments"]]
    assert order["amount"] == adult["price"] + infant["price"]

    # the same pages at a phone's width
    party = {"class": "economy", "adults": 1, "children": 0, "infants": 1}
    journeys = urlencode({"origin": "CGK", "destination": "DPS", "date": date,
                          "return_date": local_date(back, BALI), **party})
    itinerary = urlencode({"legs": f"{outbound['id']},{back['id']}", "fares": "standard,standard", **party})
    on_phone = browser.run("trip_pages", "phone", device="phone", journeys=f"#/journeys?{journeys}",
                           itinerary=f"#/itinerary?{itinerary}")
    assert not serious_violations(on_phone), json.dumps(on_phone["axe"], indent=1)
    for name, (page_width, phone_width) in on_phone["widths"].items():
        assert page_width <= phone_width, f"{name}: the page ({page_width}px) is wider than the phone ({phone_width}px)"


def test_a_traveller_checks_in_on_a_phone_and_sees_the_boarding_pass(browser, system, airplane):
    admin = admin_client(system)
    soon = flight_departing(system, admin, hours=5)
    far = new_flight(system, airplane, days=25)
    email, customer = account(system, "Eko Prasetyo")
    near_order = ticketed_booking(system, customer, soon, "Eko Prasetyo", "6A")
    far_order = ticketed_booking(system, customer, far, "Eko Prasetyo", "6B")

    result = browser.run("check_in", "phone", device="phone", email=email, password=PASSWORD,
                         order_id=near_order["id"], far_order_id=far_order["id"])
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    page_width, phone_width = result["width"]
    assert page_width <= phone_width, f"the page ({page_width}px) is wider than the phone ({phone_width}px)"
    number = near_order["tickets"][0]["number"]
    boarding_pass = customer.get(f"/tickets/{number}/boarding-pass").json()
    assert (boarding_pass["seat"], boarding_pass["status"]) == ("14C", "checked_in")


def test_my_trips_lists_bookings_and_e_tickets_a_page_at_a_time(browser, system, airplane):
    flight = new_flight(system, airplane, days=27)
    email, customer = account(system, "Dewi Lestari")
    booked = [ticketed_booking(system, customer, flight, "Dewi Lestari", seat) for seat in ("10A", "10B", "10C")]
    result = browser.run("my_trips_in_pages", "desktop", email=email, password=PASSWORD,
                         references=[order["booking_ref"] for order in booked],
                         tickets=[order["tickets"][0]["number"] for order in booked])
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)


def test_airport_boards_and_the_messages_page(browser, system, airplane):
    flight = new_flight(system, airplane, days=41)
    email, customer = account(system, "Fitri Handayani")
    order = ticketed_booking(system, customer, flight, "Fitri Handayani", "11D")
    wait_until(lambda: any(m["booking_ref"] == order["booking_ref"]
                           for m in customer.get("/me/notifications").json()["items"]),
               timeout=30, what="the message about the booking")

    result = browser.run("boards_and_messages", "desktop", flight=flight, date=local_date(flight), email=email,
                         password=PASSWORD, booking_ref=order["booking_ref"])
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)


def light_fare_booking(customer, flight, given_name, family_name):
    """A ticketed booking of one flight at the light fare (the itinerary form)."""
    placed = customer.post("/orders", json={
        "segments": [{"flight_id": flight["id"], "class": "economy", "fare": "light"}],
        "passengers": [{"given_name": given_name, "family_name": family_name, "birth_date": "1990-04-01",
                        "type": "adult"}]})
    assert placed.status_code == 201, placed.text
    pay_by_api(customer, placed.json()["id"], GOOD_CARD)
    return wait_for_status(customer, placed.json()["id"], "TICKETED", timeout=30)


def delayed_until_disrupted(admin, customer, flight, order, hours=4):
    """The flight ``hours`` late, and the booking once order has marked it disrupted (as
    tests/test_disruptions.py makes a disruption)."""
    departure = datetime.fromisoformat(flight["departure_at"]) + timedelta(hours=hours)
    delayed = admin.patch(f"/flights/{flight['id']}/status",
                          json={"status": "delayed", "departure_at": departure.isoformat()})
    assert delayed.status_code == 200, delayed.text
    wait_until(lambda: customer.get(f"/orders/{order['id']}").json().get("disruption"), timeout=30,
               what="the booking disrupted")


def assert_no_wider_than_the_phone(widths):
    for name, (page_width, phone_width) in widths.items():
        assert page_width <= phone_width, f"{name}: the page ({page_width}px) is wider than the phone ({phone_width}px)"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_traveller_changes_a_flight_to_a_later_one_paying_the_difference_and_the_fee(browser, system, airplane,
                                                                                      device):
    days = {"desktop": 50, "phone": 51}[device]
    flight = new_flight(system, airplane, days=days)
    later = new_flight(system, airplane, days=days, minutes=180, fares={"economy": 1400000, "business": 4500000})
    email, customer = account(system, "Gita Change")
    order = ticketed_booking(system, customer, flight, "Gita Change", "7B")

    # standard: a fee of 10% of IDR 12,500.00, and IDR 14,000.00 - 12,500.00 more
    result = browser.run("change_flight", device, device=device, email=email, password=PASSWORD,
                         order_id=order["id"], flight=flight, new_flight=later, date=local_date(later), seat="9C",
                         fee="IDR 1,250.00", difference="IDR 1,500.00", due="IDR 2,750.00",
                         declined_card_first=device == "desktop")
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    assert_no_wider_than_the_phone({"change done": result["width"]})
    changed = customer.get(f"/orders/{order['id']}").json()
    assert changed["flight_id"] == later["id"] and changed["passengers"][0]["seat"] == "9C"
    assert changed["amount"] == order["amount"] + 275000
    assert [t["number"] for t in changed["tickets"] if t["status"] == "issued"] == [result["ticket"]]


def test_a_light_fare_allows_no_change_said_in_words_on_a_phone(browser, system):
    flight = new_flight(system, create_airplane(admin_client(system)), days=52, fares=FAMILY_FARES)
    email, customer = account(system, "Hadi Light")
    order = light_fare_booking(customer, flight, "Hadi", "Light")
    result = browser.run("light_fare", "phone-light", device="phone", email=email, password=PASSWORD,
                         order_id=order["id"], flight=flight)
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    assert_no_wider_than_the_phone({"light fare": result["width"]})


def test_a_disrupted_booking_shows_the_delay_and_moves_to_another_flight_for_free(browser, system):
    admin = admin_client(system)
    flight = new_flight(system, create_airplane(admin), days=53, fares=FAMILY_FARES)
    earlier = new_flight(system, create_airplane(admin), days=53, minutes=120, fares=FAMILY_FARES)
    email, customer = account(system, "Indah Moved")
    order = light_fare_booking(customer, flight, "Indah", "Moved")
    delayed_until_disrupted(admin, customer, flight, order)

    result = browser.run("disrupted_move", "phone", device="phone", email=email, password=PASSWORD,
                         order_id=order["id"], flight=flight, new_flight=earlier, date=local_date(earlier),
                         delay="4 h")
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    assert_no_wider_than_the_phone(result["widths"])
    moved = customer.get(f"/orders/{order['id']}").json()
    assert moved["flight_id"] == earlier["id"] and "disruption" not in moved
    assert moved["amount"] == order["amount"]  # free


def family_booking(customer, flight, *passengers):
    """A ticketed booking of one flight in the itinerary form: ``(given, family, type, seat)``
    per passenger (an infant with no seat, on the lap of the adult of the same number)."""
    born = {"adult": "1990-04-01", "infant": (datetime.now() - timedelta(days=100)).date().isoformat()}
    placed = customer.post("/orders", json={
        "segments": [{"flight_id": flight["id"], "class": "economy"}],
        "passengers": [{"given_name": given, "family_name": family, "birth_date": born[kind], "type": kind,
                        "seats": [seat]} for given, family, kind, seat in passengers]})
    assert placed.status_code == 201, placed.text
    pay_by_api(customer, placed.json()["id"], GOOD_CARD)
    return wait_for_status(customer, placed.json()["id"], "TICKETED", timeout=30)


def test_a_booking_managed_without_logging_in_checks_in_on_a_phone(browser, system):
    flight = flight_departing(system, admin_client(system), hours=5)
    _email, customer = account(system, "Joko Widodo")
    order = family_booking(customer, flight, ("Joko", "Widodo", "adult", "6A"), ("Rina", "Wijaya", "adult", "6B"),
                           ("Sari", "Widodo", "infant", None))

    result = browser.run("manage_check_in", "phone", device="phone", booking_ref=order["booking_ref"],
                         last_name="widodo", other_passenger="Rina Wijaya", infant="Sari Widodo")
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    assert_no_wider_than_the_phone(result["widths"])
    rina = next(t for t in order["tickets"] if t["passenger_name"] == "Rina Wijaya")
    boarding_pass = customer.get(f"/tickets/{rina['number']}/boarding-pass").json()
    assert (boarding_pass["seat"], boarding_pass["status"]) == ("6B", "checked_in")


def test_a_disrupted_booking_managed_without_logging_in_is_refunded_in_full_on_a_phone(browser, system):
    admin = admin_client(system)
    flight = new_flight(system, create_airplane(admin), days=54, fares=FAMILY_FARES)
    email, customer = account(system, "Kartika Late")
    order = light_fare_booking(customer, flight, "Kartika", "Late")  # a light fare: nothing back, but for this
    delayed_until_disrupted(admin, customer, flight, order)

    result = browser.run("manage_disrupted", "phone", device="phone", booking_ref=order["booking_ref"],
                         last_name="LATE", flight=flight, delay="4 h", email=email, password=PASSWORD,
                         order_id=order["id"])
    assert not serious_violations(result), json.dumps(result["axe"], indent=1)
    assert_no_wider_than_the_phone(result["widths"])
    refunded = wait_for_status(customer, order["id"], "REFUNDED")
    assert refunded["refund"]["amount"] == order["amount"]
