"""Voluntary changes that move money, through the gateway (issue 15): what is due is
charged to the card given at confirmation as a payment of its own (once, by change id),
then the tickets are exchanged; a refused exchange (the seat taken, the new flight
cancelled) gives the charge back whole and changes nothing; a cheaper flight's residual
(refundable fare) is given back once after the exchange, netted with the fee (one
movement of money, whichever way it goes). The order then holds the
money of both payments (``amount``), keeps the change fee (``change_kept``), and a later
cancellation refunds by its (new) fare rules across both payments, never more than they
captured. The audit reconciles it all."""
import logging

import pytest

from ops.audit import audit_system
from payment.processor import ANSWER_LOST_CARD
from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client, customer_client
from tests.helpers.booking import DECLINED_CARD, GOOD_CARD, customer, get_order, place, wait_for_status
from tests.helpers.fleet import create_airplane
from tests.helpers.tickets import seat_statuses
from tests.test_booking_changes import (
    FAMILY_FARES,
    a_family_flight,
    a_flight,
    order_tickets,
    quote,
    sold_at,
    ticketed,
)
from tests.test_card_data import EveryLine, card_data_in


def confirm(client, order_id, change_id, card=None):
    return client.post(f"/orders/{order_id}/changes/{change_id}/confirm", json={"card": card} if card else {})


def payments_of(system, order_id):
    with system.rpc() as rpc:
        return rpc.payment.payments_for_order(order_id)


def audit_findings(system, order_ids):
    """What the audit finds about these orders (other tests' bookings may be in flight)."""
    found = audit_system(system.config, recheck_seconds=1).discrepancies
    return [d.line() for d in found if d.ids.get("order_id") in order_ids]


def test_a_fee_paid_by_card_then_a_cancellation_by_the_rules(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    order = ticketed(client, first["id"])  # standard: 10 % to change, 25 % kept by a cancellation
    [old_ticket] = order["tickets"]
    fee = order["amount"] // 10

    quoted = quote(client, order["id"], second["id"], seats=["6C"])
    assert (quoted["fee"], quoted["fare_difference"], quoted["amount_due"], quoted["refund_due"]) == (fee, 0, fee, 0)
    assert "card" in assert_error(confirm(client, order["id"], quoted["id"]), 400)["details"]["fields"]
    assert_error(confirm(client, order["id"], quoted["id"], dict(GOOD_CARD, cvc="x")), 400)

    done = confirm(client, order["id"], quoted["id"], GOOD_CARD)
    assert done.status_code == 200, done.text
    change = done.json()
    assert change["status"] == "CONFIRMED" and change["exchanged"] == [old_ticket["number"]]
    again = confirm(client, order["id"], quoted["id"], GOOD_CARD)  # answered again, never charged twice
    assert again.status_code == 200 and again.json() == change

    changed = get_order(client, order["id"])
    assert changed["status"] == "TICKETED" and changed["flight_id"] == second["id"]
    assert changed["amount"] == order["amount"] + fee and changed["change_kept"] == fee
    captures = [(p["amount"], p.get("change_id")) for p in payments_of(system, order["id"])
                if p["status"] == "succeeded"]
    assert captures == [(order["amount"], None), (fee, quoted["id"])]
    assert change["payment_id"] == payments_of(system, order["id"])[1]["id"]
    [ticket] = changed["tickets"]
    assert (ticket["flight_id"], ticket["seat"], ticket["fare"]) == (second["id"], "6C", order["amount"])
    kept = order["amount"] * 25 // 100
    assert changed["refund_if_cancelled"] == {"amount": order["amount"] - kept, "kept": kept + fee,
                                              "reason": "order_cancelled"}

    cancelled = client.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
    assert refunded["refund_due"]["amount"] == order["amount"] - kept
    wait_until(lambda: all(p["status"] == "refunded" for p in payments_of(system, order["id"])),
               timeout=30, what="both payments refunded")
    refunds = {p["id"]: p["refund"]["amount"] for p in payments_of(system, order["id"])}
    assert sum(refunds.values()) == order["amount"] - kept  # the fee and the rules' 25 % kept
    assert seat_statuses(system, second["id"])["6C"] == "available"
    assert audit_findings(system, {order["id"]}) == []


def test_a_dearer_flight_then_a_cancellation_refunds_across_both_payments(system, admin, airplane):
    first = a_family_flight(system, admin, airplane)
    dearer = a_family_flight(system, admin, airplane, flex=2_100_000)
    client = customer_client(system)  # registered: notify emails it
    order = sold_at(client, first, "flex", seat="6A")  # flex: changes free, refunds all
    quoted = quote(client, order["id"], dearer["id"])
    assert (quoted["fee"], quoted["amount_due"]) == (0, 200_000)

    done = confirm(client, order["id"], quoted["id"], GOOD_CARD)
    assert done.status_code == 200, done.text
    changed = get_order(client, order["id"])
    assert changed["amount"] == 2_100_000 and changed["change_kept"] == 0
    assert [t["fare"] for t in changed["tickets"]] == [2_100_000]
    assert changed["refund_if_cancelled"]["amount"] == 2_100_000

    assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
    wait_until(lambda: all(p["status"] == "refunded" for p in payments_of(system, order["id"])),
               timeout=30, what="both payments refunded")
    refunds = sorted(p["refund"]["amount"] for p in payments_of(system, order["id"]))
    assert refunds == [200_000, 1_900_000]  # each gave back what it captured, no more
    # the order, and the email, tell the whole refund: its own payment's part and the change's
    assert (refunded["refund"]["amount"], refunded["refund"]["total"]) == (1_900_000, 2_100_000)
    mailed = wait_until(lambda: [m for m in client.get("/me/notifications").json()["items"] if m["kind"] == "refunded"],
                        timeout=30, what="the refunded email")
    assert [m["subject"] for m in mailed] == [f"Refund of IDR 21,000.00 for booking {order['booking_ref']}"]
    assert audit_findings(system, {order["id"]}) == []


def test_a_declined_card_changes_nothing(system, admin, airplane):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    order = ticketed(client, first["id"])
    quoted = quote(client, order["id"], second["id"])

    assert_error(confirm(client, order["id"], quoted["id"], DECLINED_CARD), 402, "PAYMENT_DECLINED")
    assert_error(confirm(client, order["id"], quoted["id"], GOOD_CARD), 402, "PAYMENT_DECLINED")  # FAILED

    unchanged = get_order(client, order["id"])
    assert unchanged["flight_id"] == first["id"] and unchanged["amount"] == order["amount"]
    assert unchanged["tickets"] == order["tickets"]
    assert {t["status"] for t in order_tickets(system, order["id"])} == {"issued"}
    assert [p["status"] for p in payments_of(system, order["id"])] == ["succeeded", "failed"]
    assert seat_statuses(system, second["id"])["6A"] == "available"
    assert audit_findings(system, {order["id"]}) == []


@pytest.mark.parametrize("lost", ["seat", "flight"])
def test_a_change_refused_after_the_charge_gives_it_back(system, admin, airplane, lost):
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    order = ticketed(client, first["id"])
    quoted = quote(client, order["id"], second["id"], seats=["7C"])
    if lost == "seat":  # another traveller holds the seat between the quote and the confirmation
        rival, _ = customer(system)
        place(rival, second["id"], {"name": "Rival Traveller", "seat": "7C"})
        code = "SEAT_UNAVAILABLE"
    else:  # the new flight is cancelled meanwhile
        assert admin.patch(f"/flights/{second['id']}/status", json={"status": "cancelled"}).status_code == 200
        code = "FLIGHT_NOT_BOOKABLE"

    assert_error(confirm(client, order["id"], quoted["id"], GOOD_CARD), 409, code)
    assert_error(confirm(client, order["id"], quoted["id"], GOOD_CARD), 409, code)

    [own, charged] = payments_of(system, order["id"])
    assert own["status"] == "succeeded" and charged["change_id"] == quoted["id"]
    assert charged["status"] == "refunded" and charged["refund"]["amount"] == charged["amount"] == quoted["fee"]
    unchanged = get_order(client, order["id"])
    assert unchanged["status"] == "TICKETED" and unchanged["flight_id"] == first["id"]
    assert unchanged["amount"] == order["amount"] and unchanged["tickets"] == order["tickets"]
    assert {t["status"] for t in order_tickets(system, order["id"])} == {"issued"}
    assert seat_statuses(system, first["id"])["6A"] == "sold"
    assert audit_findings(system, {order["id"]}) == []


def test_a_cheaper_flight_gives_the_residual_back_once_and_a_cancellation_the_rest(system, admin, airplane):
    first = a_family_flight(system, admin, airplane)
    cheaper = a_family_flight(system, admin, airplane, flex=1_700_000)
    client, _ = customer(system)
    order = sold_at(client, first, "flex", seat="6A")  # flex: refundable, changes free
    quoted = quote(client, order["id"], cheaper["id"])
    assert (quoted["fee"], quoted["amount_due"], quoted["refund_due"]) == (0, 0, 200_000)

    done = confirm(client, order["id"], quoted["id"])
    assert done.status_code == 200, done.text
    assert confirm(client, order["id"], quoted["id"]).json() == done.json()
    changed = get_order(client, order["id"])
    assert changed["amount"] == 1_700_000 and [t["fare"] for t in changed["tickets"]] == [1_700_000]
    [own] = payments_of(system, order["id"])
    assert own["status"] == "succeeded" and own["amount"] == 1_900_000
    assert [(r["change_id"], r["amount"], r["status"]) for r in own["partial_refunds"]] == [
        (quoted["id"], 200_000, "refunded")]
    assert audit_findings(system, {order["id"]}) == []

    assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
    assert refunded["refund"]["amount"] == 1_700_000  # what is left: never more than was captured
    assert audit_findings(system, {order["id"]}) == []


STANDARD_FARE = FAMILY_FARES["standard"]
STANDARD_FEE = STANDARD_FARE // 10  # standard: refundable, 10 % of what was paid to change


@pytest.mark.parametrize(("new_fare", "charged", "given_back"), [
    # a residual of 250 000 pays the 125 000 fee: 125 000 back, nothing charged
    (1_000_000, 0, STANDARD_FARE - 1_000_000 - STANDARD_FEE),
    # a residual of 50 000 pays part of the fee: 75 000 charged, nothing back
    (1_200_000, STANDARD_FEE - (STANDARD_FARE - 1_200_000), 0),
], ids=["net-refund", "net-charge"])
def test_a_cheaper_flight_with_a_fee_moves_the_money_once_netted(system, admin, airplane, new_fare, charged,
                                                                 given_back):
    first, cheaper = a_family_flight(system, admin, airplane), a_family_flight(system, admin, airplane,
                                                                              standard=new_fare)
    client, _ = customer(system)
    order = sold_at(client, first, "standard")
    quoted = quote(client, order["id"], cheaper["id"])
    assert (quoted["fee"], quoted["fare_difference"], quoted["amount_due"], quoted["refund_due"]) == (
        STANDARD_FEE, new_fare - STANDARD_FARE, charged, given_back)

    done = confirm(client, order["id"], quoted["id"], GOOD_CARD if charged else None)
    assert done.status_code == 200, done.text
    assert confirm(client, order["id"], quoted["id"]).json() == done.json()  # nothing moves twice

    # exactly one movement of money, the right one: a charge of its own, or a partial refund
    payments = payments_of(system, order["id"])
    own = payments[0]
    assert (own.get("change_id"), own["status"], own["amount"]) == (None, "succeeded", STANDARD_FARE)
    if charged:
        [_, change_payment] = payments
        assert (change_payment["change_id"], change_payment["status"], change_payment["amount"]) == (
            quoted["id"], "succeeded", charged)
        assert done.json()["payment_id"] == change_payment["id"]
        assert [p["partial_refunds"] for p in payments] == [[], []]
    else:
        assert len(payments) == 1
        assert [(r["change_id"], r["amount"], r["status"]) for r in own["partial_refunds"]] == [
            (quoted["id"], given_back, "refunded")]
    changed = get_order(client, order["id"])
    assert changed["amount"] == STANDARD_FARE + charged - given_back == new_fare + STANDARD_FEE
    assert changed["change_kept"] == STANDARD_FEE and [t["fare"] for t in changed["tickets"]] == [new_fare]
    assert audit_findings(system, {order["id"]}) == []


def test_a_charge_whose_answer_was_lost_is_settled_and_the_change_finished_by_the_timers(make_system):
    """The processor captured and its answer was lost (503): payment's sweep settles the
    payment from the processor's books, then order's resume timer finishes the change. Once."""
    timers = {"EXPIRY_SWEEP_SECONDS": 1, "PAYMENT_ANNOUNCE_GRACE_SECONDS": 1, "ORDER_EVENT_RELAY_SECONDS": 1}
    with make_system(**timers) as system:
        admin = admin_client(system)
        airplane = create_airplane(admin)
        first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
        client, _ = customer(system)
        order = ticketed(client, first["id"])
        quoted = quote(client, order["id"], second["id"])

        lost = confirm(client, order["id"], quoted["id"], dict(GOOD_CARD, card_number=ANSWER_LOST_CARD))
        assert_error(lost, 503, "PAYMENT_OUTCOME_UNKNOWN")
        changed = wait_until(lambda: (now := get_order(client, order["id"]))["flight_id"] == second["id"] and now,
                             timeout=30, what="the change finished by the timers")
        assert changed["amount"] == order["amount"] + quoted["fee"]
        done = confirm(client, order["id"], quoted["id"])
        assert done.status_code == 200 and done.json()["status"] == "CONFIRMED", done.text
        captures = [(p["amount"], p.get("change_id")) for p in payments_of(system, order["id"])
                    if p["status"] == "succeeded"]
        assert captures == [(order["amount"], None), (quoted["fee"], quoted["id"])]
        assert audit_findings(system, {order["id"]}) == []


def test_no_log_line_of_a_change_holds_the_card_number_or_the_cvc(system, admin, airplane):
    """The card crosses gateway → order → payment for a change: no logger writes it, paid or declined."""
    card, declined = dict(GOOD_CARD, cvc="9318"), dict(DECLINED_CARD, cvc="8265")
    first, second = a_flight(system, admin, airplane), a_flight(system, admin, airplane)
    client, _ = customer(system)
    orders = [ticketed(client, first["id"], {"name": "Ada Lovelace", "seat": seat}) for seat in ("6A", "6B")]
    quotes = [quote(client, order["id"], second["id"]) for order in orders]
    collector = EveryLine()
    root = logging.getLogger()
    level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        assert confirm(client, orders[0]["id"], quotes[0]["id"], card).status_code == 200
        assert_error(confirm(client, orders[1]["id"], quotes[1]["id"], declined), 402)
    finally:
        root.removeHandler(collector)
        root.setLevel(level)
    assert any("charge_change" in line for line in collector.lines), "the capture saw nothing of the change"
    leaks = [line for line in collector.lines if card_data_in(line, card) or card_data_in(line, declined)]
    assert not leaks, leaks[:5]
