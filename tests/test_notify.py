"""Telling the traveller, through the gateway: a booking's facts become emails in the SMTP
sink (one per fact per booking, also under replays), and the owner reads them at
``GET /me/notifications``."""
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client, login, register
from tests.helpers.booking import events_of, pay, place, saga_events, wait_for_status
from tests.helpers.events import watching_handlers
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import free_port
from tests.helpers.mail import MailSink, html_of, text_of


def traveller(system, name="Ada Lovelace"):
    user = register(system.http, full_name=name)
    return user, system.http.as_user(login(system.http, user["email"])["access_token"])


def booked_flight(system):
    admin = admin_client(system)
    # 23:10 UTC leaves Jakarta (UTC+7) on the next local day: the mail must say so
    departure = utc_in(days=20).replace(hour=23, minute=10)
    flight = schedule_flight(admin, create_airplane(admin), departure)
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return flight


def local(moment, zone):
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M %Z")


def mails_to(mail, email, count, what):
    return wait_until(lambda: (lambda found: found if len(found) >= count else None)(mail.messages(to=email)),
                      timeout=30, what=what)


def notifications(client, **params):
    response = client.get("/me/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_ticketed_booking_gets_one_email_even_when_its_fact_is_replayed(system, mail):
    flight = booked_flight(system)
    user, client = traveller(system)
    with saga_events(system.config) as seen:
        order = place(client, flight["id"], {"name": "Ada Lovelace", "seat": "6A"}, {"name": "Charles Babbage"})
        pay(client, order["id"])
        ticketed = wait_for_status(client, order["id"], "TICKETED")
        [message] = mails_to(mail, user["email"], 1, "the ticketed email")
        issued = [p for source, kind, p in events_of(seen, order["id"]) if kind == "tickets_issued"]

    numbers = sorted(ticket["number"] for ticket in ticketed["tickets"])
    assert len(numbers) == 2
    assert message["Subject"] == f"Your e-tickets for booking {order['booking_ref']}"
    text, html = text_of(message), html_of(message)
    for body in (text, html):
        assert order["booking_ref"] in body and flight["flight_number"] in body
        assert all(number in body for number in numbers)
        assert local(flight["departure_at"], "Asia/Jakarta") in body  # WIB, the next local day
        assert local(flight["arrival_at"], "Asia/Makassar") in body  # WITA
    assert "Dear Ada Lovelace," in text and "What to do next" in text
    assert f"Paid: IDR {ticketed['amount'] / 100:,.2f}" in text
    # the fact tells the booking (notify asks order only for a relayed one, which does not)
    assert {key: issued[0].get(key) for key in ("booking_ref", "amount", "currency", "flight_ids")} == {
        "booking_ref": order["booking_ref"], "amount": ticketed["amount"], "currency": "IDR",
        "flight_ids": [flight["id"]]}

    listed = notifications(client)
    assert listed["next_cursor"] is None
    [item] = listed["items"]
    assert item["kind"] == "ticketed" and item["order_id"] == order["id"]
    assert item["booking_ref"] == order["booking_ref"] and item["subject"] == message["Subject"]
    assert item["sent_at"] and item["created_at"] <= item["sent_at"]

    # the fact again, twice (a replay, a redelivery): nothing more is sent or listed
    assert len(issued) == 1
    with watching_handlers(system) as handled:
        for _ in range(2):
            system.dispatch("ticket", "tickets_issued", issued[0])
        wait_until(lambda: handled.covers([("ticket", "tickets_issued", issued[0])] * 2),
                   what="the replayed tickets_issued handled")
    assert len(mail.messages(to=user["email"])) == 1
    assert notifications(client)["items"] == [item]


def test_a_cancel_and_its_refund_each_get_their_email_newest_first_and_paged(system, mail):
    flight = booked_flight(system)
    user, client = traveller(system, "Grace Hopper")
    order = place(client, flight["id"], {"name": "Grace Hopper"})
    pay(client, order["id"])
    ticketed = wait_for_status(client, order["id"], "TICKETED")
    mails_to(mail, user["email"], 1, "the ticketed email")
    assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, order["id"], "REFUNDED")
    messages = mails_to(mail, user["email"], 3, "the cancelled and refunded emails")

    by_subject = {message["Subject"]: message for message in messages}
    amount = f"IDR {order['amount'] / 100:,.2f}"
    cancelled = by_subject[f"Booking {order['booking_ref']} is cancelled"]
    refund = by_subject[f"Refund of IDR {refunded['refund']['amount'] / 100:,.2f} for booking {order['booking_ref']}"]
    number = ticketed["tickets"][0]["number"]
    assert "you cancelled the booking" in text_of(cancelled) and number in text_of(cancelled)
    due = f"IDR {refunded['refund_due']['amount'] / 100:,.2f}"  # standard: less its refund fee
    assert f"Of the {amount} you paid, your fare's rules refund {due}." in text_of(cancelled)
    assert refunded["refund"]["refund_id"] in text_of(refund) and number in text_of(refund)

    items = notifications(client)["items"]
    assert sorted(item["kind"] for item in items) == ["cancelled", "refunded", "ticketed"]
    keys = [(item["created_at"], item["id"]) for item in items]
    assert keys == sorted(keys, reverse=True), "newest first"
    assert items[-1]["kind"] == "ticketed"
    assert all(item["sent_at"] for item in items)

    paged, cursor = [], None
    while True:
        page = notifications(client, limit=1, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) == 1
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == items
    assert_error(client.get("/me/notifications", params={"cursor": "not-a-cursor"}), 400, "VALIDATION_ERROR")
    assert_error(client.get("/me/notifications", params={"limit": 0}), 400)


def test_another_travellers_notifications_are_not_visible(system, mail):
    flight = booked_flight(system)
    owner, client = traveller(system)
    order = place(client, flight["id"], {"name": "Ada Lovelace"})
    assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    [message] = mails_to(mail, owner["email"], 1, "the cancelled email")
    assert "Nothing was charged." in text_of(message)
    assert len(notifications(client)["items"]) == 1

    stranger, other = traveller(system, "Eve Stranger")
    assert notifications(other) == {"items": [], "next_cursor": None}
    assert mail.messages(to=stranger["email"]) == []
    assert_error(system.http.get("/me/notifications"), 401)


def test_mail_that_could_not_be_sent_is_sent_by_the_sweep_once_smtp_answers(make_system):
    sink = MailSink(free_port())  # not started yet: nothing answers on its port
    try:
        with make_system(SMTP_URI=sink.uri, EXPIRY_SWEEP_SECONDS=0.3, NOTIFY_RESEND_SECONDS=0.5) as system:
            flight = booked_flight(system)
            user, client = traveller(system)
            order = place(client, flight["id"], {"name": "Ada Lovelace"})
            pay(client, order["id"])
            wait_for_status(client, order["id"], "TICKETED")
            [item] = wait_until(lambda: notifications(client)["items"], what="the ticketed message recorded")
            assert item["sent_at"] is None  # recorded, the SMTP server away

            sink.start()
            [message] = mails_to(sink, user["email"], 1, "the email sent by the sweep")
            assert order["booking_ref"] in message["Subject"]
            wait_until(lambda: notifications(client)["items"][0]["sent_at"], what="the message marked sent")
            assert len(sink.messages(to=user["email"])) == 1
    finally:
        sink.close()

