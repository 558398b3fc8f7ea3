"""The storefront's browser side (tests/test_storefront.py): Debian's chromium driven by
Playwright, in a process of its own. The test process is eventlet-patched (the services
under test run in it) and Playwright's own event loop does not mix with that, so the test
starts ``python -m tests.helpers.browser`` once per module: it launches one browser and
runs the scenarios the test sends it, one JSON line each way:

    -> {"scenario": "journey", "kwargs": {...}}
    <- {"ok": true, "result": ...}  or  {"ok": false, "error": "<what failed, with the traceback>"}

Each scenario gets a fresh browser context (storage, viewport) and closes it.
"""
import json
import re
import shutil
import sys
import traceback
import uuid
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "docs" / "storefront"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 20_000
VIEWPORTS = {"desktop": ({"width": 1280, "height": 860}, False), "phone": ({"width": 390, "height": 844}, True)}
NO_CHROMIUM = "Debian's chromium is not installed: apt-get install -y chromium (.ci/run installs it)"


class Tab:
    """One browser context and its page, with the checks every step makes: no script error,
    no refused resource (a Content-Security-Policy violation is a console error)."""

    def __init__(self, browser, base_url, name, device):
        viewport, phone = VIEWPORTS[device]
        self.name = name
        self.context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                           device_scale_factor=1, locale="en-GB")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(
            f"console: {message.text}"))

    def open(self, hash_path="#/"):
        self.page.goto(f"{self.base_url}/{hash_path}")
        expect(self.page.locator("main h1")).to_be_visible()

    def heading(self, text):
        expect(self.page.locator("main h1")).to_have_text(re.compile(text))

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}.png"), full_page=True)

    def close(self):
        self.context.close()
        # an API refusal the page showed in words (a declined card) logs a failed load: expected
        problems = [p for p in self.problems if "Failed to load resource" not in p]
        assert not problems, problems


def search(tab, flight, date, keyboard=False):
    page = tab.page
    tab.open("#/")
    tab.heading("Where to")
    origin = page.get_by_role("combobox", name="From")
    origin.press_sequentially("jakrta")  # a typo: the picker forgives it
    page.locator("[role=option][data-code=CGK]").click()
    expect(origin).to_have_value(re.compile(r"\(CGK\)"))
    destination = page.get_by_role("combobox", name="To")
    destination.press_sequentially("DPS")
    expect(page.locator("[role=option][data-code=DPS]")).to_be_visible()
    if keyboard:
        destination.press("ArrowDown")
        expect(destination).to_have_attribute("aria-activedescendant", re.compile(".+"))
        destination.press("Enter")
    else:
        page.locator("[role=option][data-code=DPS]").click()
    expect(destination).to_have_value(re.compile(r"\(DPS\)"))
    page.get_by_label("Departure date").fill(date)
    page.get_by_label("Adults").select_option("1")
    tab.shot("search")
    if keyboard:
        page.get_by_label("Departure date").press("Enter")  # submits the form from the keyboard
    else:
        page.get_by_role("button", name="Search flights").click()
    tab.heading("Jakarta to")
    offer = page.locator("li.offer", has_text=flight["flight_number"])
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("seats left")
    expect(offer).to_contain_text("1 h 50 min")
    expect(offer).to_contain_text("IDR 12,500.00")  # 1250000 minor units of IDR
    expect(page.locator("nav.calendar a[aria-current=date]")).to_be_visible()
    tab.shot("results")
    offer.get_by_role("link", name=re.compile("^Select")).click()
    tab.heading(f"Choose your seats: {flight['flight_number']}")


def pick_seat_register_and_book(tab, seat, full_name, password):
    page = tab.page
    page.get_by_role("button", name=re.compile(f"^Seat {seat},")).click()
    expect(page.locator(".picked")).to_contain_text(f"Your seats: {seat}")
    tab.shot("seats")
    page.get_by_role("link", name="create an account", exact=True).click()
    tab.heading("Create an account")
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Email").fill(f"traveller-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    # back on the seat map, the seat kept and the traveller named
    tab.heading("Choose your seats")
    expect(page.locator(".picked")).to_contain_text(f"Your seats: {seat}")
    expect(page.get_by_label("Passenger 1: full name")).to_have_value(full_name)
    page.get_by_role("button", name="Continue to payment").click()
    tab.heading("Pay for your booking")


def pay(tab, card):
    page = tab.page
    page.get_by_label("Name on card").fill("Ana Putri")
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry date").fill("12/39")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=re.compile("^Pay ")).click()


def assert_in_words(alert):
    text = alert.inner_text()
    assert "{" not in text and '"error"' not in text, f"raw JSON shown: {text}"


def tickets_then_cancel(tab, seat):
    page = tab.page
    tab.heading("You're booked")
    reference = page.locator(".booking-ref").first.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{6}", reference), reference
    tickets = page.get_by_role("table", name="E-tickets")
    expect(tickets).to_contain_text(seat)
    expect(tickets).to_contain_text("Valid")
    ticket_number = tickets.locator("code").first.inner_text()
    assert "null" not in page.locator("main").inner_text()
    tab.shot("confirmation")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My trips").click()
    tab.heading("My trips")
    expect(page.locator("main")).to_contain_text(f"Booking {reference}")
    expect(page.locator("main")).to_contain_text(ticket_number)
    page.get_by_role("link", name=f"Booking {reference}").click()
    tab.heading("You're booked")

    page.get_by_role("button", name="Cancel this booking").click()
    expect(page.locator("#cancel-q")).to_contain_text("back on your card")
    page.get_by_role("button", name="Yes, cancel it").click()
    tab.heading("cancelled and refunded")
    expect(page.locator(".refund")).to_contain_text(re.compile(r"Refunded IDR\s[\d,.]+"))
    expect(page.get_by_role("table", name="E-tickets")).to_contain_text("Cancelled")
    tab.shot("refund")
    return {"booking_ref": reference, "ticket": ticket_number}


# -- scenarios -----------------------------------------------------------------------------

def journey(tab, flight, date, seat, full_name, password, declined_card_first=False, keyboard=False):
    """Search, pick a seat, register on the way, pay, see the tickets, cancel, see the refund."""
    search(tab, flight, date, keyboard=keyboard)
    pick_seat_register_and_book(tab, seat, full_name, password)
    expect(tab.page.get_by_role("complementary", name="Test cards")).to_contain_text("4242 4242 4242 4242")
    if declined_card_first:
        pay(tab, "4000 0000 0000 0002")
        alert = tab.page.get_by_role("alert")
        expect(alert).to_contain_text("Payment declined")
        expect(alert).to_contain_text("The card was declined")
        assert_in_words(alert)
    pay(tab, "4242 4242 4242 4242")
    result = tickets_then_cancel(tab, seat)
    result["width"] = tab.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return result


def axe_violations(page):
    page.evaluate(AXE.read_text())  # evaluated, not a <script>: the page's policy allows only its own files
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def accessibility(tab, flight, date, email, password, pending_order, paid_order):
    """axe-core on every page; the serious and critical violations by page."""
    page = tab.page
    found = {}

    def scan(what):
        found[what] = axe_violations(page)

    tab.open("#/")
    page.get_by_role("combobox", name="From").press_sequentially("bali")
    expect(page.locator("[role=option]").first).to_be_visible()
    scan("search, airport suggestions open")
    tab.open(f"#/results?origin=CGK&destination=DPS&date={date}&passengers=1&class=economy")
    expect(page.locator("li.offer").first).to_be_visible()
    expect(page.locator("nav.calendar")).to_be_visible()
    scan("results")
    tab.open(f"#/flight/{flight['id']}?passengers=2&class=economy")
    page.get_by_role("button", name=re.compile("^Seat 9A,")).click()
    scan("seat map")
    tab.open("#/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    assert_in_words(page.get_by_role("alert"))
    scan("log in, with an error")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("My trips")
    scan("my trips")
    tab.open(f"#/pay/{pending_order}")
    tab.heading("Pay for your booking")
    scan("payment")
    tab.open(f"#/trip/{paid_order}")
    tab.heading("You're booked")
    scan("confirmation")
    tab.open(f"#/status?flight_number={flight['flight_number']}&date={date}")
    expect(page.locator("li.leg")).to_contain_text("On time")
    scan("flight status")
    tab.open("#/no-such-page")
    scan("not found")
    return {what: problems for what, problems in found.items() if problems}


def my_trips_in_pages(tab, email, password, references, tickets):
    """"My trips" a page at a time (``?limit=2``): the first two bookings and e-tickets, then
    "More …" adds the rest and goes away; newest first."""
    page = tab.page
    tab.open("#/login?next=%23%2Ftrips%3Flimit%3D2")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("My trips")
    cards, rows = page.locator("li.trip h3"), page.get_by_role("table", name="Your e-tickets").locator("tbody tr")
    expect(cards).to_have_count(2)
    expect(rows).to_have_count(2)
    for name, listed in (("More bookings", cards), ("More e-tickets", rows)):
        page.get_by_role("button", name=name).click()
        expect(listed).to_have_count(len(references))
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    shown = {"bookings": cards.all_inner_texts(), "tickets": rows.locator("code").all_inner_texts()}
    newest_first = {"bookings": [f"Booking {ref}" for ref in reversed(references)], "tickets": list(reversed(tickets))}
    assert shown == newest_first, shown
    return {"axe": {"my trips, every page": axe_violations(page)}}


SCENARIOS = {"journey": journey, "accessibility": accessibility, "my_trips_in_pages": my_trips_in_pages}


def run(browser, request):
    # they build on this module's steps
    from tests.helpers.browser_changes import SCENARIOS as CHANGE_SCENARIOS
    from tests.helpers.browser_manage import SCENARIOS as MANAGE_SCENARIOS
    from tests.helpers.browser_trips import SCENARIOS as TRIP_SCENARIOS

    tab = Tab(browser, request["base_url"], request["name"], request["device"])
    try:
        scenarios = {**SCENARIOS, **TRIP_SCENARIOS, **CHANGE_SCENARIOS, **MANAGE_SCENARIOS}
        result = scenarios[request["scenario"]](tab, **request["kwargs"])
    finally:
        tab.close()
    return result


def main():
    executable = shutil.which("chromium")
    if executable is None:
        print(json.dumps({"ok": False, "error": NO_CHROMIUM}), flush=True)
        return 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        print(json.dumps({"ok": True, "result": browser.version}), flush=True)
        for line in sys.stdin:
            try:
                answer = {"ok": True, "result": run(browser, json.loads(line))}
            except Exception:  # the test shows what failed; the browser stays for the next scenario
                answer = {"ok": False, "error": traceback.format_exc()}
            print(json.dumps(answer), flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
