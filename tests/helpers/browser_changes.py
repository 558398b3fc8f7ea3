"""The storefront's browser scenarios for changing a booking (tests/test_storefront.py, run by
tests/helpers/browser.py): a flight changed to a later one paying the fare difference and
the fee by card (a declined card first, said in words), a light fare that allows no change,
and a disrupted booking shown in words and moved for free. Each scenario scans its pages
with axe-core and answers ``{"axe": {page: [serious or critical violations]}, ...}``."""
import re

from playwright.sync_api import expect

from tests.helpers.browser import assert_in_words, axe_violations, pay


def log_in_to_booking(tab, order_id, email, password):
    page = tab.page
    tab.open(f"#/login?next={'%23'}/trip/{order_id}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("You're booked")


def find_and_choose(tab, new_flight, date):
    page = tab.page
    page.get_by_label("Travel date").fill(date)
    page.get_by_role("button", name="Find flights").click()
    offers = page.get_by_role("list", name="Flights you can change to")
    expect(offers).to_contain_text(new_flight["flight_number"])
    expect(offers).to_contain_text("seats left")
    offers.get_by_role("button", name=re.compile(f"^Choose {new_flight['flight_number']} at ")).click()
    expect(page.get_by_role("heading", name=f"Your new flight: {new_flight['flight_number']}")).to_be_focused()


def width(tab):
    return tab.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def change_flight(tab, email, password, order_id, flight, new_flight, date, seat, fee, difference, due,
                  declined_card_first=False):
    """From the booking, "Change flight": a date, a later flight of the same route, a seat;
    the quote in words (fee, fare difference, due, until when); paid by card; the new
    e-tickets, then the booking on the new flight."""
    page, found = tab.page, {}
    log_in_to_booking(tab, order_id, email, password)
    page.get_by_role("link", name=f"Change flight {flight['flight_number']}").click()
    tab.heading(f"Change flight {flight['flight_number']}")
    expect(page.locator(".change-terms")).to_contain_text("fare allows changes: a fee of 10% of what you paid")
    find_and_choose(tab, new_flight, date)
    page.get_by_role("button", name=re.compile(f"^Seat {seat},")).click()
    expect(page.locator(".picked")).to_contain_text(f"Your new seats: {seat}")
    found["change, flights and seat map"] = axe_violations(page)
    page.get_by_role("button", name="See the price").click()
    quote = page.locator("dl.quote")
    expect(quote).to_contain_text(f"Change fee{fee}")
    expect(quote).to_contain_text(f"Fare difference{difference} more than you paid")
    expect(quote).to_contain_text(f"To pay now{due}")
    expect(quote).to_contain_text(re.compile(r"This price holds until\d\d:\d\d"))
    expect(page.get_by_role("complementary", name="Test cards")).to_contain_text("4242 4242 4242 4242")
    found["change, the quote and the card form"] = axe_violations(page)
    tab.shot("change-quote")
    if declined_card_first:
        pay(tab, "4000 0000 0000 0002")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Payment declined")
        assert_in_words(alert)
        found["change, a declined card"] = axe_violations(page)
        page.get_by_role("button", name="Get a new price").click()
        expect(page.locator("dl.quote")).to_contain_text(f"To pay now{due}")
    pay(tab, "4242 4242 4242 4242")
    tab.heading("Your flight is changed")
    tickets = page.get_by_role("table", name="Your new e-tickets")
    expect(tickets).to_contain_text(seat)
    expect(tickets).to_contain_text("Valid")
    new_ticket = tickets.locator("code").first.inner_text()
    found["change, done"] = axe_violations(page)
    tab.shot("change-done")
    result_width = width(tab)
    page.get_by_role("link", name="See the booking").click()
    tab.heading("You're booked")
    expect(page.locator("main .card").first).to_contain_text(new_flight["flight_number"])
    expect(page.get_by_role("table", name="E-tickets")).to_contain_text(new_ticket)
    return {"axe": found, "width": result_width, "ticket": new_ticket}


def light_fare(tab, email, password, order_id, flight):
    """A light fare allows no change: said in words, no way to ask for one."""
    page, found = tab.page, {}
    log_in_to_booking(tab, order_id, email, password)
    main = page.locator("main")
    expect(main).to_contain_text("Your Light fare does not allow changes.")
    expect(page.get_by_role("link", name=f"Change flight {flight['flight_number']}")).to_have_count(0)
    found["booking on a light fare"] = axe_violations(page)
    tab.open(f"#/change/{order_id}/0")  # an address typed or kept: the same words, no search
    tab.heading(f"Change flight {flight['flight_number']}")
    expect(page.locator(".change-terms")).to_have_text("Your Light fare does not allow changes.")
    expect(page.get_by_role("button", name="Find flights")).to_have_count(0)
    return {"axe": found, "width": width(tab)}


def delay_notice(page, flight, delay):
    """The disruption notice of a delayed flight, its two options said in words."""
    notice = page.get_by_role("region", name="Your trip is disrupted")
    expect(notice).to_contain_text(f"Flight {flight['flight_number']} from Jakarta to ")
    expect(notice).to_contain_text(f"is delayed by {delay}: it now leaves")
    expect(notice).to_contain_text("Refund in full: cancel the booking and get all IDR")
    expect(notice).to_contain_text("Move to another flight: free of charge")
    return notice


def disrupted_move(tab, email, password, order_id, flight, new_flight, date, delay):
    """A delayed flight's booking: the delay in words, "Refund in full" and "Move to another
    flight"; the move is free (a light fare: seats assigned) and ends the disruption."""
    page, found = tab.page, {}
    log_in_to_booking(tab, order_id, email, password)
    notice = delay_notice(page, flight, delay)
    expect(notice).to_contain_text("whatever your fare")
    found["a disrupted booking"] = axe_violations(page)
    tab.shot("disrupted")
    disrupted_width = width(tab)
    notice.get_by_role("button", name="Refund in full").click()
    expect(page.locator("#cancel-q")).to_contain_text("back on your card")
    page.get_by_role("button", name="No, keep it").click()
    notice.get_by_role("link", name="Move to another flight").click()
    tab.heading(f"Move flight {flight['flight_number']}")
    expect(page.locator(".change-terms")).to_contain_text("Moving is free of charge, to a flight leaving by")
    find_and_choose(tab, new_flight, date)
    expect(page.locator("main")).to_contain_text("Your fare does not include seat choice")
    page.get_by_role("button", name="See the price").click()
    quote = page.locator("dl.quote")
    expect(quote).to_contain_text("Change feeNone: the airline disrupted your flight")
    expect(quote).to_contain_text("To pay nowNothing")
    expect(page.get_by_role("complementary", name="Test cards")).to_have_count(0)
    found["a free move, the quote"] = axe_violations(page)
    page.get_by_role("button", name="Confirm the change").click()
    tab.heading("Your flight is changed")
    expect(page.get_by_role("table", name="Your new e-tickets")).to_contain_text("Valid")
    move_width = width(tab)
    page.get_by_role("link", name="See the booking").click()
    tab.heading("You're booked")
    expect(page.locator("main .card").first).to_contain_text(new_flight["flight_number"])
    expect(page.get_by_role("region", name="Your trip is disrupted")).to_have_count(0)
    return {"axe": found, "widths": {"disrupted": disrupted_width, "moved": move_width}}


SCENARIOS = {"change_flight": change_flight, "light_fare": light_fare, "disrupted_move": disrupted_move}
