"""The storefront in a real browser (Debian's chromium, driven by Playwright): a traveller
searches with the airport picker, picks a seat, registers on the way, pays (a declined card
first, shown in words), sees the e-tickets, finds them in "my trips", cancels and sees the
refund; the same on a phone's width with the keyboard; and an axe-core scan of every page
finds nothing serious or critical. Screenshots go to docs/storefront/ (the README shows them).

The browser steps are in tests/helpers/browser.py, run in a process of its own (one browser
for the module); this side makes the flights and accounts through the API."""
import json
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.booking import GOOD_CARD, place, wait_for_status
from tests.helpers.booking import pay as pay_by_api
from tests.helpers.browser import NO_CHROMIUM, ROOT
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import wait_until

PASSWORD = "storefront-long-password"
JAKARTA = ZoneInfo("Asia/Jakarta")


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


def new_flight(system, airplane, days):
    flight = schedule_flight(admin_client(system), airplane, utc_in(days=days, hours=3),
                             duration=timedelta(hours=1, minutes=50))
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return flight


def local_date(flight):
    """The departure's date at the origin (CGK), the date a traveller searches for."""
    return datetime.fromisoformat(flight["departure_at"]).astimezone(JAKARTA).date().isoformat()


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
    http = system.http
    email = f"axe-{uuid.uuid4().hex[:10]}@example.com"
    registered = http.post("/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Citra Axe"})
    assert registered.status_code == 201, registered.text
    token = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    customer = http.as_user(token)
    pending = place(customer, flight["id"], {"name": "Citra Axe", "seat": "8B"})
    paid = place(customer, flight["id"], {"name": "Citra Axe", "seat": "8C"})
    pay_by_api(customer, paid["id"], GOOD_CARD)
    wait_for_status(customer, paid["id"], "TICKETED")

    serious = browser.run("accessibility", "axe", flight=flight, date=local_date(flight), email=email,
                          password=PASSWORD, pending_order=pending["id"], paid_order=paid["id"])
    assert not serious, json.dumps(serious, indent=1)
