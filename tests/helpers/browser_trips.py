"""The storefront's browser scenarios beyond the one-flight journey (tests/test_storefront.py,
run by tests/helpers/browser.py): manage a booking by reference and last name, a round
trip for an adult and an infant with fare families, check-in and the boarding pass,
airport boards and the messages page. Each scenario scans its pages with axe-core and
answers ``{"axe": {page: [serious or critical violations]}, ...}``."""
import re
import uuid

from playwright.sync_api import expect

from tests.helpers.browser import assert_in_words, axe_violations, pay


def manage(tab, booking_ref, last_name):
    """No login: a wrong last name is told in words, the right one (any case) finds the
    booking, which is cancelled and refunded."""
    page, found = tab.page, {}
    tab.open("#/manage")
    tab.heading("Manage a booking")
    page.get_by_label("Booking reference").fill(booking_ref.lower())
    page.get_by_label("Last name").fill("Nobody")
    page.get_by_role("button", name="Find my booking").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("No booking matches that reference and last name")
    assert_in_words(alert)
    found["manage, not found"] = axe_violations(page)
    page.get_by_label("Last name").fill(last_name.upper())
    page.get_by_role("button", name="Find my booking").click()
    expect(page.locator("#booking-heading")).to_have_text("You're booked")
    expect(page.locator(".booking-ref")).to_have_text(booking_ref)
    expect(page.get_by_role("table", name="E-tickets")).to_contain_text("Valid")
    found["manage, booking shown"] = axe_violations(page)
    tab.shot("manage")
    page.get_by_role("button", name="Cancel this booking").click()
    expect(page.locator("#cancel-q")).to_contain_text("back on your card")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator("#booking-heading")).to_have_text("Booking cancelled and refunded", timeout=60_000)
    expect(page.locator(".refund")).to_contain_text(re.compile(r"Refunded IDR\s[\d,.]+"))
    expect(page.get_by_role("table", name="E-tickets")).to_contain_text("Cancelled")
    tab.shot("manage-refunded")
    return {"axe": found, "width": page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")}


def round_trip(tab, outbound, back, via, date, return_date, infant_birth_date, password):
    """Search a return trip for an adult and an infant, read the fare families and their
    rules, see a connection (``via``: two flights), pick the direct flights, standard both
    ways, and a seat on each flight (aisles where the layout puts them), register on the
    way, pay, see four e-tickets (the infant's on a lap)."""
    page, found = tab.page, {}
    tab.open("#/")
    page.get_by_role("radio", name="Return").check()
    origin = page.get_by_role("combobox", name="From")
    origin.press_sequentially("jakrta")
    page.locator("[role=option][data-code=CGK]").click()
    destination = page.get_by_role("combobox", name="To")
    destination.press_sequentially("DPS")
    page.locator("[role=option][data-code=DPS]").click()
    page.get_by_label("Departure date").fill(date)
    page.get_by_label("Return date").fill(return_date)
    page.get_by_label("Adults").select_option("1")
    page.get_by_label("Infants").select_option("1")
    page.get_by_role("button", name="Search flights").click()
    tab.heading("Jakarta to .* and back")

    rules = page.get_by_role("table", name="Fare families and their rules")
    for text in ("Light", "Standard", "Flex", "Not refundable", "Refundable, 25% kept", "Fully refundable",
                 "20 kg checked bag"):
        expect(rules).to_contain_text(text)
    out_option = page.locator("li.journey", has_text=outbound["flight_number"])
    back_option = page.locator("li.journey", has_text=back["flight_number"])
    for option in (out_option, back_option):
        expect(option.locator("input[type=radio]")).to_have_count(3)  # light, standard, flex
        expect(option).to_contain_text("Direct")
    expect(out_option).to_contain_text("IDR 12,500.00")
    connection = page.locator("li.journey", has_text=via[0]["flight_number"])
    expect(connection).to_contain_text(via[1]["flight_number"])
    expect(connection).to_contain_text("1 stop in SUB (1 h)")
    # a page at a time: the cheapest option each way, then "More options" adds the connection
    results_address = page.evaluate("location.hash")
    tab.open(f"{results_address}&limit=1")
    expect(page.locator("li.journey")).to_have_count(2)
    expect(connection).to_have_count(0)
    page.get_by_role("button", name="More options").click()
    expect(connection).to_contain_text("1 stop in SUB (1 h)")
    expect(page.get_by_role("button", name="More options")).to_be_hidden()
    expect(out_option).to_have_count(1)
    found["trip search, fare families"] = axe_violations(page)
    tab.shot("journeys")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose an outbound flight and its fare")
    out_option.get_by_role("radio", name=re.compile(r"Standard: IDR")).check()
    back_option.get_by_role("radio", name=re.compile(r"Standard: IDR")).check()
    page.get_by_role("button", name="Continue").click()
    tab.heading("Your trip: 2 flights")

    # the seat map's aisle from the airplane's layout (ABC-DEFG: after C, where a guess for
    # seven across would put two, after B and E)
    first_map = page.get_by_role("group", name=re.compile("^Seat map of flight 1"))
    row = first_map.get_by_role("group", name="Row 7")
    assert row.locator(".seat, .aisle").evaluate_all(
        "nodes => nodes.map(n => n.classList.contains('aisle') ? '|' : n.dataset.letter).join('')") == "ABC|DEFG"
    first_map.get_by_role("button", name=re.compile("^Seat 7A,")).click()
    page.get_by_role("group", name=re.compile("^Seat map of flight 2")).get_by_role(
        "button", name=re.compile("^Seat 9C,")).click()
    page.get_by_role("link", name="create an account", exact=True).click()
    page.get_by_label("Full name").fill("Ana Putri")
    page.get_by_label("Email").fill(f"traveller-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    tab.heading("Your trip: 2 flights")
    expect(page.get_by_label("Adult 1: given names")).to_have_value("Ana")
    expect(page.get_by_label("Adult 1: family name")).to_have_value("Putri")
    page.get_by_label("Adult 1: date of birth").fill("1990-04-01")
    page.get_by_label("Infant 1: given names").fill("Sari")
    page.get_by_label("Infant 1: family name").fill("Putri")
    page.get_by_label("Infant 1: date of birth").fill("2001-01-01")  # too old to be an infant: said in words
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("alert")).to_contain_text("Infant 1: on the day of the first flight")
    expect(page.locator(".picked").first).to_contain_text("Seats: 7A")
    found["itinerary: passengers and seats"] = axe_violations(page)
    tab.shot("itinerary")
    page.get_by_label("Infant 1: date of birth").fill(infant_birth_date)
    page.get_by_role("button", name="Continue to payment").click()

    tab.heading("Pay for your booking")
    expect(page.locator("main")).to_contain_text("Flight 2 of 2")
    expect(page.locator("main")).to_contain_text("on the lap of Ana Putri")
    pay(tab, "4242 4242 4242 4242")
    tab.heading("You're booked")
    tickets = page.get_by_role("table", name="E-tickets")
    expect(tickets.locator("tbody tr")).to_have_count(4)
    for text in ("7A", "9C", "On a lap", outbound["flight_number"], back["flight_number"], "Sari Putri"):
        expect(tickets).to_contain_text(text)
    tab.shot("round-trip")
    booking_ref = page.locator(".booking-ref").first.inner_text()
    # a light fare includes no seat choice: no seat map on its flight, the seats are assigned
    tab.open(f"#/itinerary?legs={outbound['id']},{back['id']}&fares=light,standard&class=economy&adults=1")
    tab.heading("Your trip: 2 flights")
    expect(page.locator("main")).to_contain_text("Your Light fare does not include seat choice")
    expect(page.get_by_role("group", name=re.compile("^Seat map of flight 1"))).to_have_count(0)
    expect(page.get_by_role("group", name=re.compile("^Seat map of flight 2"))).to_have_count(1)
    return {"axe": found, "booking_ref": booking_ref}


def check_in(tab, email, password, order_id, far_order_id):
    """Log in, from the booking check in moving seat, see the boarding pass and its barcode;
    a booking whose check-in is not open yet is told so in words."""
    page, found = tab.page, {}
    tab.open(f"#/login?next={'%23'}/trip/{order_id}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("You're booked")
    page.get_by_role("link", name=re.compile("^Check in ")).first.click()
    tab.heading("Check in: ")
    page.get_by_role("button", name=re.compile("^Seat 14C,")).click()
    expect(page.locator(".picked")).to_contain_text("Moving to seat 14C")
    found["check-in"] = axe_violations(page)
    page.get_by_role("button", name="Check in", exact=True).click()
    tab.heading("Boarding pass: ")
    card = page.get_by_role("article", name="Boarding pass")
    expect(card).to_contain_text("14C")
    image = card.get_by_role("img", name=re.compile("^Boarding pass barcode \\(PDF417\\)"))
    expect(image).to_be_visible()
    expect(image).to_have_attribute("src", re.compile("^data:image/svg"))
    page.wait_for_function("() => document.querySelector('img.barcode').naturalWidth > 0")
    found["boarding pass"] = axe_violations(page)
    tab.shot("boarding-pass")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")

    tab.open(f"#/trip/{far_order_id}")
    tab.heading("You're booked")
    page.get_by_role("link", name=re.compile("^Check in ")).first.click()
    page.get_by_role("button", name="Check in", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Check-in opens 48 hours before departure")
    expect(alert).to_contain_text("Online check-in for this flight is open from")
    assert_in_words(alert)
    return {"axe": found, "width": width}


def boards_and_messages(tab, flight, date, email, password, booking_ref):
    """Departures of Jakarta and arrivals of Bali on a day show the flight; the messages
    page lists what was emailed about a booking."""
    page, found = tab.page, {}
    tab.open("#/board")
    tab.heading("Airport boards")
    airport = page.get_by_role("combobox", name="Airport")
    airport.press_sequentially("jakrta")
    page.locator("[role=option][data-code=CGK]").click()
    page.get_by_label("Date").fill(date)
    page.get_by_role("button", name="Show the board").click()
    tab.heading(r"Departures: Jakarta \(CGK\)")
    departures = page.get_by_role("table", name=re.compile("^Departures"))
    expect(departures.locator("tr", has_text=flight["flight_number"])).to_contain_text("On time")
    expect(page.get_by_role("button", name="Later flights")).to_be_hidden()  # one page
    found["departures board"] = axe_violations(page)
    tab.shot("board")
    airport = page.get_by_role("combobox", name="Airport")
    airport.fill("")
    airport.press_sequentially("DPS")
    page.locator("[role=option][data-code=DPS]").click()
    page.get_by_role("radio", name="Arrivals").check()
    page.get_by_role("button", name="Show the board").click()
    tab.heading(r"Arrivals: .*\(DPS\)")
    expect(page.get_by_role("table", name=re.compile("^Arrivals")).locator(
        "tr", has_text=flight["flight_number"])).to_contain_text("Jakarta (CGK)")

    tab.open("#/notifications")
    tab.heading("Log in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("Messages")
    expect(page.get_by_role("list", name="Messages, newest first")).to_contain_text(booking_ref)
    found["messages"] = axe_violations(page)
    tab.shot("messages")
    return {"axe": found}


def trip_pages(tab, journeys, itinerary):
    """Trip search and the itinerary form at a phone's width: nothing wider than the phone,
    nothing serious for axe."""
    page, found, widths = tab.page, {}, {}
    for name, address in (("journeys", journeys), ("itinerary", itinerary)):
        tab.open(address)
        expect(page.locator("li.journey, .seat-map").first).to_be_visible()
        found[name] = axe_violations(page)
        widths[name] = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        tab.shot(name)
    return {"axe": found, "widths": widths}


SCENARIOS = {"manage": manage, "round_trip": round_trip, "check_in": check_in,
             "boards_and_messages": boards_and_messages, "trip_pages": trip_pages}
