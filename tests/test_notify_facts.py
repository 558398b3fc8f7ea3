"""The facts that reach a booking later, through real services: "check-in is open" (ticket
announces it when a flight's check-in window opens), "disrupted" (order's
``booking_disrupted``, dispatched here over RabbitMQ as order publishes it) and "changed"
(order's ``booking_changed`` when a change is confirmed through the gateway). One email per
fact per booking (per change for a change), read from the SMTP sink; replays send nothing more."""
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers import wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.booking import GOOD_CARD, get_order, pay, place, wait_for_status
from tests.helpers.checkin import flight_departing
from tests.helpers.events import recorded_events, watching_handlers
from tests.helpers.mail import html_of, text_of
from tests.test_booking_changes import a_flight, quote, ticketed
from tests.test_notify import booked_flight, mails_to, notifications, traveller

JAKARTA = ZoneInfo("Asia/Jakarta")


def local(moment):
    return moment.astimezone(JAKARTA).strftime("%a %d %b %Y %H:%M %Z")


def with_subject(mail, email, start):
    return [message for message in mail.messages(to=email) if message["Subject"].startswith(start)]


def replayed(system, source, event_type, payload, times=2):
    """``payload`` published again ``times`` times, once every consumer has handled each."""
    with watching_handlers(system) as handled:
        for _ in range(times):
            system.dispatch(source, event_type, payload)
        wait_until(lambda: handled.covers([(source, event_type, payload)] * times),
                   what=f"the replayed {event_type} handled")


def ticketed_booking(client, flight_id, *names):
    order = place(client, flight_id, *({"name": name} for name in names))
    pay(client, order["id"])
    return wait_for_status(client, order["id"], "TICKETED", timeout=30)


def test_check_in_open_is_told_once_per_booking_when_its_window_opens(make_system, mail):
    with make_system(replicas=2, CHECK_IN_ANNOUNCE_SECONDS=0.3) as system, \
            recorded_events(system.config, [("ticket", "check_in_opened")]) as announced:
        admin = admin_client(system)
        far, near = flight_departing(system, admin, hours=24 * 20), flight_departing(system, admin, hours=5)
        user, client = traveller(system)
        later = ticketed_booking(client, far["id"], "Ada Lovelace")
        soon = ticketed_booking(client, near["id"], "Ada Lovelace", "Charles Babbage")

        [message] = wait_until(lambda: with_subject(mail, user["email"], "Check-in is open"), timeout=30,
                               what="the check-in open email")
        assert message["Subject"] == (f"Check-in is open for {near['flight_number']} {near['origin']} to "
                                      f"{near['destination']}: booking {soon['booking_ref']}")
        departure = datetime.fromisoformat(near["departure_at"])
        for body in (text_of(message), html_of(message)):
            assert soon["booking_ref"] in body and near["flight_number"] in body
            assert all(ticket["number"] in body for ticket in soon["tickets"])
            assert local(departure) in body  # departs, at the origin's wall clock
            assert local(departure - timedelta(hours=1)) in body  # check-in closes
            assert "My trips" in body

        # once, from one of the two ticket replicas; the booking whose check-in is 20 days away:
        # nothing, although sweeps have run since it was ticketed
        [payload] = announced.of("check_in_opened")
        assert payload["order_id"] == soon["id"] and payload["flight_id"] == near["id"]
        assert sorted(payload["ticket_numbers"]) == sorted(t["number"] for t in soon["tickets"])
        assert announced.of("check_in_opened", later["id"]) == []

        replayed(system, "ticket", "check_in_opened", payload)
        assert len(with_subject(mail, user["email"], "Check-in is open")) == 1
        # a booking cancelled since is not told, even if the fact reaches notify
        assert client.post(f"/orders/{later['id']}/cancel").status_code == 200
        wait_for_status(client, later["id"], "REFUNDED", timeout=30)
        replayed(system, "ticket", "check_in_opened", dict(payload, order_id=later["id"], flight_id=far["id"]),
                 times=1)
        assert len(with_subject(mail, user["email"], "Check-in is open")) == 1
        wait_until(lambda: sorted(item["kind"] for item in notifications(client)["items"]) == [
            "cancelled", "check_in_open", "refunded", "ticketed", "ticketed"], what="the booking's messages listed")


def disruption(order, flight, reason, since, **extra):
    """``order.booking_disrupted`` as order publishes it (docs/contracts.md)."""
    return {"order_id": order["id"], "booking_ref": order["booking_ref"], "user_id": order["user_id"],
            "flight_id": flight["id"], "segment": 0, "reason": reason, "since": since,
            "options": ["refund", {"type": "move", "window_hours": 72}], **extra}


def test_a_disruption_is_told_once_per_flight_and_reason(system, mail):
    flight = booked_flight(system)
    user, client = traveller(system, "Grace Hopper")
    order = ticketed_booking(client, flight["id"], "Grace Hopper")
    mails_to(mail, user["email"], 1, "the ticketed email")

    delayed = disruption(order, flight, "delayed", "2026-12-01T06:00:00+00:00")
    system.dispatch("order", "booking_disrupted", delayed)
    [message] = wait_until(lambda: with_subject(mail, user["email"], "Flight"), timeout=30,
                           what="the disrupted email")
    assert message["Subject"] == f"Flight {flight['flight_number']} of your booking {order['booking_ref']} is disrupted"
    for body in (text_of(message), html_of(message)):
        assert order["booking_ref"] in body and "the flight is delayed" in body
        assert local(datetime.fromisoformat(flight["departure_at"])) in body
        assert "Cancel the booking for a full refund." in body
        assert "Move to another flight on the same route at no cost (a flight within 72 hours of yours)." in body

    # the same fact again, also re-sent later with another time: nothing more
    replayed(system, "order", "booking_disrupted", delayed)
    replayed(system, "order", "booking_disrupted", dict(delayed, since="2026-12-01T07:00:00+00:00"), times=1)
    assert len(with_subject(mail, user["email"], "Flight")) == 1
    # another reason for the same flight is another fact; a malformed one is dropped
    system.dispatch("order", "booking_disrupted", dict(delayed, reason="cancelled", options=["refund"]))
    replayed(system, "order", "booking_disrupted", {"order_id": order["id"], "flight_id": None}, times=1)
    messages = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(
        with_subject(mail, user["email"], "Flight")), timeout=30, what="the second disrupted email")
    assert "the flight was cancelled" in text_of(messages[1])
    assert "Move to another flight" not in text_of(messages[1])
    kinds = [item["kind"] for item in notifications(client)["items"]]
    assert sorted(kinds) == ["disrupted", "disrupted", "ticketed"]


def test_a_disruption_of_a_booking_nobody_knows_sends_nothing(system, mail):
    flight = booked_flight(system)
    user, client = traveller(system, "Eve Unknown")
    unknown = {"id": uuid.uuid4().hex[:24], "booking_ref": "ZZZZZZ", "user_id": user["id"]}
    replayed(system, "order", "booking_disrupted", disruption(unknown, flight, "delayed", None), times=1)
    assert mail.messages(to=user["email"]) == []
    assert notifications(client)["items"] == []


def idr(minor_units):
    return f"IDR {minor_units / 100:,.2f}"


def changed_to(client, order, flight, seats=None):
    """A change of ``order``'s flight to ``flight``, quoted and confirmed (the fee paid by card)."""
    quoted = quote(client, order["id"], flight["id"], seats=seats)
    confirmed = client.post(f"/orders/{order['id']}/changes/{quoted['id']}/confirm",
                            json={"card": GOOD_CARD} if quoted["amount_due"] else {})
    assert confirmed.status_code == 200, confirmed.text
    return quoted, confirmed.json()


def test_each_confirmed_change_is_told_once_with_the_new_tickets_and_the_money(system, mail, admin, airplane):
    first, later, last = (a_flight(system, admin, airplane) for _ in range(3))
    user, client = traveller(system, "Ada Lovelace")
    with recorded_events(system.config, [("order", "booking_changed")]) as published:
        order = ticketed(client, first["id"])  # standard: 10 % of the fare to change, paid by card
        mails_to(mail, user["email"], 1, "the ticketed email")
        [old_ticket] = order["tickets"]

        quoted, change = changed_to(client, order, later, seats=["6C"])
        assert quoted["amount_due"] == quoted["fee"] == order["amount"] // 10
        subject = f"Booking {order['booking_ref']} changed"
        [message] = wait_until(lambda: with_subject(mail, user["email"], subject), timeout=30,
                               what="the changed email")
        departs = local(datetime.fromisoformat(later["departure_at"]))
        assert message["Subject"].startswith(f"{subject} to flight {later['flight_number']}, departing {departs}")
        [new_number] = change["tickets"]
        for body in (text_of(message), html_of(message)):
            assert order["booking_ref"] in body and first["flight_number"] in body and later["flight_number"] in body
            for flight in (first, later):  # the old and the new flight, at the origin's wall clock
                assert local(datetime.fromisoformat(flight["departure_at"])) in body
            assert new_number in body and "6C" in body and old_ticket["number"] in body
            assert f"charged {idr(quoted['amount_due'])}" in body.replace("<strong>", "").replace("</strong>", "")

        # a second change of the same booking is another fact: another email
        second, _ = changed_to(client, get_order(client, order["id"]), last)
        messages = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(
            with_subject(mail, user["email"], subject)), timeout=30, what="the second changed email")
        assert last["flight_number"] in messages[1]["Subject"]
        payloads = [published.wait("booking_changed", order["id"], change_id=c["id"]) for c in (quoted, second)]

    # the events again, as a relay or a redelivery would publish them: nothing more is sent
    for payload in payloads:
        replayed(system, "order", "booking_changed", payload)
    assert len(with_subject(mail, user["email"], subject)) == 2
    assert len(mail.messages(to=user["email"])) == 3
    kinds = [item["kind"] for item in notifications(client)["items"]]
    assert kinds == ["changed", "changed", "ticketed"]  # newest first
