"""The storefront's browser scenarios of a booking managed without logging in
(tests/test_storefront.py, run by tests/helpers/browser.py): check-in by booking reference
and last name, then the boarding pass and its barcode; a disrupted booking's options, its
refund in full. Each scenario scans its pages with axe-core and answers
``{"axe": {page: [serious or critical violations]}, ...}``."""
import re

from playwright.sync_api import expect

from tests.helpers.browser import axe_violations
from tests.helpers.browser_changes import delay_notice


def width(tab):
    return tab.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def find_booking(tab, booking_ref, last_name):
    page = tab.page
    tab.open("#/manage")
    tab.heading("Manage a booking")
    page.get_by_label("Booking reference").fill(booking_ref)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_role("button", name="Find my booking").click()
    expect(page.locator(".booking-ref")).to_have_text(booking_ref)


def manage_check_in(tab, booking_ref, last_name, other_passenger, infant):
    """No login: the booking found by one passenger's last name, "Check in" for each ticket
    with a seat (none for the infant on a lap), another passenger checked in, the boarding
    pass with its barcode; the last names never in the address; back to the booking."""
    page, found = tab.page, {}
    find_booking(tab, booking_ref, last_name)
    expect(page.locator("#booking-heading")).to_have_text("You're booked")
    tickets = page.get_by_role("table", name="E-tickets")
    expect(tickets.get_by_role("link", name=re.compile("^Check in "))).to_have_count(2)
    lap = tickets.locator("tr", has_text=infant)
    expect(lap).to_contain_text("On a lap")
    expect(lap.get_by_role("link")).to_have_count(0)
    found["manage, check-in links"] = axe_violations(page)
    tab.shot("manage-check-in")

    tickets.get_by_role("link", name=re.compile(f"^Check in {other_passenger}")).click()
    tab.heading(f"Check in: {other_passenger}")
    found["check-in by reference"] = axe_violations(page)
    page.get_by_role("button", name="Check in", exact=True).click()
    tab.heading(f"Boarding pass: {other_passenger}")
    card = page.get_by_role("article", name="Boarding pass")
    expect(card).to_contain_text(booking_ref)
    image = card.get_by_role("img", name=re.compile("^Boarding pass barcode \\(PDF417\\)"))
    expect(image).to_have_attribute("src", re.compile("^data:image/svg"))
    page.wait_for_function("() => document.querySelector('img.barcode').naturalWidth > 0")
    found["boarding pass by reference"] = axe_violations(page)
    tab.shot("manage-boarding-pass")
    names = {last_name.lower(), other_passenger.split()[-1].lower()}
    address = page.url.lower()
    assert not any(name in address for name in names), f"a last name in the address: {page.url}"
    pass_width = width(tab)

    # the pass again (a reload asks for it, checked in already), then back to the booking
    page.reload()
    tab.heading(f"Boarding pass: {other_passenger}")
    page.wait_for_function("() => document.querySelector('img.barcode').naturalWidth > 0")
    page.get_by_role("link", name="Back to the booking").click()
    tab.heading("Manage a booking")
    expect(page.locator(".booking-ref")).to_have_text(booking_ref)
    return {"axe": found, "widths": {"boarding pass": pass_width, "booking": width(tab)}}


def manage_disrupted(tab, booking_ref, last_name, flight, delay, email, password, order_id):
    """No login: a delayed booking's disruption in words, "Refund in full", and moving, which
    needs logging in: the link logs in and comes back to the booking, where the move is
    offered; back on the manage page, the refund in full."""
    page, found = tab.page, {}
    find_booking(tab, booking_ref, last_name)
    notice = delay_notice(page, flight, delay)
    expect(notice).to_contain_text("Moving needs logging in as the traveller who booked")
    expect(notice.get_by_role("link", name="Move to another flight", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel this booking")).to_have_count(0)  # the refund is the option
    found["manage, a disrupted booking"] = axe_violations(page)
    tab.shot("manage-disrupted")
    disrupted_width = width(tab)

    notice.get_by_role("link", name="Log in to move to another flight").click()
    tab.heading("Log in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    tab.heading("You're booked")
    assert page.url.endswith(f"#/trip/{order_id}"), page.url
    expect(page.get_by_role("region", name="Your trip is disrupted")
           .get_by_role("link", name="Move to another flight", exact=True)).to_be_visible()

    tab.open("#/manage")  # the booking this tab opened, shown again
    notice = page.get_by_role("region", name="Your trip is disrupted")
    notice.get_by_role("button", name="Refund in full").click()
    expect(page.locator("#cancel-q")).to_contain_text("back on your card")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator("#booking-heading")).to_have_text("Booking cancelled and refunded", timeout=60_000)
    expect(page.locator(".refund")).to_contain_text(re.compile(r"Refunded IDR\s[\d,.]+"))
    expect(page.locator(".refund")).not_to_contain_text("kept")
    found["manage, refunded in full"] = axe_violations(page)
    tab.shot("manage-disrupted-refunded")
    return {"axe": found, "widths": {"disrupted": disrupted_width, "refunded": width(tab)}}


SCENARIOS = {"manage_check_in": manage_check_in, "manage_disrupted": manage_disrupted}
