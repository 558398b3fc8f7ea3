"""The messages as a traveller reads them: every kind renders from its templates."""
import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from types import SimpleNamespace

import pytest

from notify import domain
from notify.mailer import Mailer
from notify.rendering import kinds_with_templates, render

TICKETS = [
    {"number": "9991000000017", "passenger_name": "Ada Lovelace", "seat": "12A", "cabin_class": "economy"},
    {"number": "9991000000028", "passenger_name": "Charles Babbage", "seat": "12B", "cabin_class": "economy"},
]
LEG = domain.leg({"id": "f1", "flight_number": "GA400", "origin": "CGK", "destination": "DPS",
                  "departure_at": "2026-12-01T08:30:00+00:00", "arrival_at": "2026-12-01T10:20:00+00:00"},
                 {"CGK": "Asia/Jakarta", "DPS": "Asia/Makassar"})


def context(kind, **fact):
    return {
        "kind": kind, "booking_ref": "K7M2QX", "order_id": "65f1c0ffee0123456789abcd",
        "traveller": "Ada <Lovelace>", "passengers": [], "tickets": fact.pop("tickets", TICKETS),
        "itinerary": [LEG], "amount_paid": domain.money(2500000, "IDR"),
        "amount_to_refund": domain.money(fact.get("refund_amount", 2500000), "IDR"),
        "amount_refunded": domain.money(fact.get("amount"), fact.get("currency")),
        "refund_id": fact.get("refund_id"), "paid": domain.cancelled_paid(fact),
        "reason": domain.reason_text(fact.get("reason")),
        "next_steps": domain.next_steps(kind, "K7M2QX", fact),
        "flight": domain.leg_of([LEG], fact.get("flight_id")),
        "check_in_closes": domain.local_time(fact.get("closes_at"), LEG["origin_tz"]),
        "since": domain.local_time(fact.get("since"), LEG["origin_tz"]),
        "changed_from": fact.get("changed_from"), "changed_to": fact.get("changed_to"),
        "exchanged": fact.get("exchanged") or [], "disruption_move": bool(fact.get("disruption_move")),
        **domain.change_money(fact, "IDR"),
    }


def test_every_kind_has_its_templates():
    assert kinds_with_templates() == sorted(domain.KINDS)


def test_ticketed_names_the_booking_the_tickets_and_the_local_times():
    subject, text, html = render(domain.TICKETED, context(domain.TICKETED))
    assert subject == "Your e-tickets for booking K7M2QX"
    for body in (text, html):
        assert "K7M2QX" in body
        assert "9991000000017" in body and "9991000000028" in body
        assert "GA400" in body
        assert "Tue 01 Dec 2026 15:30 WIB (UTC+07:00)" in body  # departs Jakarta
        assert "Tue 01 Dec 2026 18:20 WITA (UTC+08:00)" in body  # lands in Bali
        assert "IDR 25,000.00" in body
    assert "What to do next:" in text and "passport" in text
    # HTML is escaped, text is not
    assert "Dear Ada &lt;Lovelace&gt;," in html and "Dear Ada <Lovelace>," in text


def test_cancelled_says_whether_money_comes_back():
    _, unpaid, _ = render(domain.CANCELLED, context(domain.CANCELLED, paid=False, reason="flight_cancelled",
                                                    tickets=[]))
    assert "cancelled: the flight was cancelled" in unpaid and "Nothing was charged." in unpaid
    subject, paid, html = render(domain.CANCELLED, context(domain.CANCELLED, paid=True, reason="order_cancelled"))
    assert subject == "Booking K7M2QX is cancelled"
    assert "you cancelled the booking" in paid and "9991000000017" in paid
    assert "The IDR 25,000.00 you paid will be refunded." in paid and "refund follows" in paid
    assert "9991000000017" in html
    _, light, _ = render(domain.CANCELLED, context(domain.CANCELLED, paid=True, reason="order_cancelled",
                                                   refund_amount=0))
    assert "Of the IDR 25,000.00 you paid, your fare's rules refund IDR 0.00." in light


def test_refunded_gives_the_amount_and_why():
    subject, text, html = render(domain.REFUNDED, context(domain.REFUNDED, amount=2500000, currency="IDR",
                                                          reason="flight_cancelled", refund_id="re_1"))
    assert subject == "Refund of IDR 25,000.00 for booking K7M2QX"
    assert "We have refunded IDR 25,000.00 for your booking K7M2QX: the flight was cancelled." in text
    assert "Refund reference: re_1" in text and "re_1" in html


def test_expired_says_nothing_was_charged():
    subject, text, _ = render(domain.EXPIRED, context(domain.EXPIRED, reason="expired", tickets=[]))
    assert subject == "Booking K7M2QX expired unpaid"
    assert "Nothing was charged." in text and "Search again" in text


def test_a_missing_fact_is_an_error_not_a_blank():
    incomplete = context(domain.TICKETED)
    del incomplete["booking_ref"]
    with pytest.raises(Exception, match="booking_ref"):
        render(domain.TICKETED, incomplete)


def test_the_email_carries_text_and_html_and_a_stable_message_id():
    subject, text, html = render(domain.TICKETED, context(domain.TICKETED))
    notification = SimpleNamespace(id=uuid.uuid4(), recipient="ada@example.com", subject=subject, text_body=text,
                                   html_body=html, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    mailer = Mailer("smtp://127.0.0.1:8025", "Flight Platform <no-reply@flight-platform.example>")
    email = message_from_bytes(mailer.message(notification).as_bytes(), policy=default)
    assert email["Message-ID"] == f"<{notification.id}@flight-platform.example>"
    assert email["To"] == "ada@example.com" and email["Subject"] == subject
    assert "9991000000017" in email.get_body(("plain",)).get_content()
    assert "<table" in email.get_body(("html",)).get_content()


def test_the_smtp_uri_says_where_and_how():
    mailer = Mailer("smtps://user%40x:p%40ss@mail.example:2465", "a@b.example")
    assert (mailer.secure, mailer.host, mailer.port, mailer.login) == (True, "mail.example", 2465, ("user@x", "p@ss"))
    assert Mailer("smtp://mail.example", "a@b.example").port == 25
    with pytest.raises(ValueError):
        Mailer("http://mail.example", "a@b.example")


def test_check_in_open_names_the_flight_when_check_in_closes_and_what_to_do():
    subject, text, html = render(domain.CHECK_IN_OPEN, context(
        domain.CHECK_IN_OPEN, flight_id="f1", closes_at="2026-12-01T07:30:00+00:00"))
    assert subject == "Check-in is open for GA400 CGK to DPS: booking K7M2QX"
    for body in (text, html):
        assert "K7M2QX" in body and "GA400" in body and "9991000000017" in body
        assert "Tue 01 Dec 2026 15:30 WIB (UTC+07:00)" in body  # departs, Jakarta time
        assert "Tue 01 Dec 2026 14:30 WIB (UTC+07:00)" in body  # check-in closes, Jakarta time
        assert "My trips" in body and "last name" in body


def test_disrupted_says_why_and_lists_the_choices():
    fact = {"flight_id": "f1", "reason": "delayed", "since": "2026-12-01T06:00:00+00:00",
            "options": ["refund", {"type": "move", "until": "2026-12-04T08:30:00+00:00"}, {"type": "voucher"}]}
    subject, text, html = render(domain.DISRUPTED, context(domain.DISRUPTED, **fact))
    assert subject == "Flight GA400 of your booking K7M2QX is disrupted"
    for body in (text, html):
        assert "is disrupted: the flight is delayed (since Tue 01 Dec 2026 13:00 WIB (UTC+07:00))" in body
        assert "Cancel the booking for a full refund." in body
        assert "Move to another flight on the same route at no cost (a flight departing by Fri 04 Dec 2026" in body
        assert "Voucher." in body
    unknown_flight = render(domain.DISRUPTED, context(domain.DISRUPTED, flight_id="f9", reason="aircraft_change"))
    assert unknown_flight[0] == "Your booking K7M2QX is disrupted"
    assert "the aircraft was changed and has no seat for you" in unknown_flight[1]


LATER = domain.leg({"id": "f2", "flight_number": "GA402", "origin": "CGK", "destination": "DPS",
                    "departure_at": "2026-12-03T23:10:00+00:00", "arrival_at": "2026-12-04T01:00:00+00:00"},
                   {"CGK": "Asia/Jakarta", "DPS": "Asia/Makassar"})
NEW_TICKETS = [{"number": "9991000000039", "passenger_name": "Ada Lovelace", "seat": "6C", "cabin_class": "economy"}]


def a_change(**money):
    return dict({"changed_from": LEG, "changed_to": LATER, "tickets": NEW_TICKETS, "exchanged": ["9991000000017"],
                 "fee": 125_000, "fare_difference": -250_000, "amount_due": 0, "refund_due": 125_000}, **money)


def test_changed_names_both_flights_in_local_times_the_new_tickets_and_the_money_given_back():
    subject, text, html = render(domain.CHANGED, context(domain.CHANGED, **a_change()))
    assert subject == "Booking K7M2QX changed to flight GA402, departing Fri 04 Dec 2026 06:10 WIB (UTC+07:00)"
    for body in (text, html):
        assert "K7M2QX" in body and "GA400" in body and "GA402" in body
        assert "Tue 01 Dec 2026 15:30 WIB (UTC+07:00)" in body  # the old flight departed Jakarta
        assert "Fri 04 Dec 2026 06:10 WIB (UTC+07:00)" in body  # the new one, the next local day
        assert "Fri 04 Dec 2026 09:00 WITA (UTC+08:00)" in body  # and lands in Bali
        assert "9991000000039" in body and "6C" in body
        assert "They replace: 9991000000017" in body
        assert "IDR 1,250.00" in body and "gave back" in body and "charged" not in body
        assert "IDR -2,500.00" in body  # the fare difference the fee was netted with
        assert "Travel with the new e-tickets" in body
    assert "Dear Ada &lt;Lovelace&gt;," in html


def test_changed_says_what_was_charged_or_that_nothing_moved():
    _, charged, html = render(domain.CHANGED, context(domain.CHANGED, **a_change(
        fare_difference=-50_000, amount_due=75_000, refund_due=0)))
    for body in (charged, html):
        assert "charged" in body and "IDR 750.00" in body and "gave back" not in body
    _, free, _ = render(domain.CHANGED, context(domain.CHANGED, **a_change(
        fee=0, fare_difference=0, amount_due=0, refund_due=0, disruption_move=True)))
    assert "at no cost" in free and "No money moved" in free and "Change fee" not in free
    # an event without the old flight's details: the email goes without them
    subject, text, _ = render(domain.CHANGED, context(domain.CHANGED, **a_change(changed_from=None)))
    assert "GA402" in subject and "Was:" not in text and "Now:  GA402" in text
