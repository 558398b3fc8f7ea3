"""The audit's reconciliation over hand-made records (no server): a clean system says
nothing, and every kind of discrepancy is found with its ids."""
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from common.config import Settings, load_config
from ops.audit import audit, default_recheck_seconds
from ops.audit.reconcile import Records, Rules, reconcile, totals

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
RULES = Rules(expiry_sweep_seconds=10, hold_margin_seconds=10)
FARE = 1_000


def at(seconds):
    return (NOW + timedelta(seconds=seconds)).isoformat()


def order(order_id, status, amount=FARE, payment_id=None, refund=None, tickets=(), expires_in=600, flight="F1"):
    return {"id": order_id, "status": status, "flight_id": flight, "amount": amount, "currency": "IDR",
            "payment_id": payment_id, "refund": refund, "tickets": list(tickets), "expires_at": at(expires_in),
            "updated_at": at(-60)}


def payment(payment_id, order_id, status, amount=FARE, refund=None):
    return {"id": payment_id, "order_id": order_id, "status": status, "amount": amount, "currency": "IDR",
            "refund": refund, "updated_at": at(-60)}


def ticket(number, order_id, seat, status="issued", fare=FARE, flight="F1"):
    return {"number": number, "order_id": order_id, "flight_id": flight, "seat": seat, "status": status,
            "fare": fare, "currency": "IDR", "updated_at": at(-60)}


def seat(label, order_id, status="sold", expires_in=None, flight="F1"):
    return {"flight_id": flight, "seat": label, "status": status, "order_id": order_id,
            "hold_expires_at": at(expires_in) if expires_in is not None else None}


def clean_records():
    """A system with one booking in every state, and nothing wrong."""
    return Records(
        orders=[
            order("o-ticketed", "TICKETED", payment_id="p-1", tickets=["T1"]),
            order("o-refunded", "REFUNDED", payment_id="p-2", refund={"refund_id": "r-2", "amount": FARE},
                  tickets=["T2"]),
            order("o-pending", "PENDING_PAYMENT", expires_in=-15),  # lapsed, within one sweep and the margin
            order("o-cancelled", "CANCELLED", expires_in=-3600),
            order("o-expired", "EXPIRED", expires_in=-3600),
            order("o-twice", "TICKETED", payment_id="p-3", tickets=["T3"]),
        ],
        payments=[
            payment("p-1", "o-ticketed", "succeeded"),
            payment("p-2", "o-refunded", "refunded", refund={"refund_id": "r-2", "amount": FARE, "status": "refunded"}),
            payment("p-declined", "o-pending", "failed"),
            payment("p-unsure", "o-pending", "pending"),
            payment("p-3", "o-twice", "succeeded"),
            # a second capture the order never took, given back whole
            payment("p-3b", "o-twice", "refunded", refund={"refund_id": "r-3b", "amount": FARE, "status": "refunded"}),
        ],
        tickets=[
            ticket("T1", "o-ticketed", "1A"),
            ticket("T2", "o-refunded", "1B", status="cancelled"),
            ticket("T3", "o-twice", "1C"),
        ],
        seats=[seat("1A", "o-ticketed"), seat("1C", "o-twice"), seat("2A", "o-pending", "held", expires_in=-15)],
        read_at=NOW,
    )


def with_records(**changes):
    records = clean_records()
    return dataclasses.replace(records, **{name: getattr(records, name) + extra for name, extra in changes.items()})


def found(records):
    return [(d.kind, d.ids) for d in reconcile(records, RULES)]


def test_a_clean_system_has_no_discrepancy():
    assert found(clean_records()) == []
    assert totals(clean_records()) == {"IDR": {"captured": 4 * FARE, "ticketed": 2 * FARE, "refunded": 2 * FARE,
                                               "kept": 0}}


def test_an_empty_system_has_no_discrepancy():
    assert found(Records([], [], [], [], read_at=NOW)) == []


def test_a_capture_for_an_order_nobody_knows():
    assert found(with_records(payments=[payment("p-x", "o-ghost", "succeeded")])) == [
        ("payment_without_order", {"payment_id": "p-x", "order_id": "o-ghost"}),
        ("money_mismatch", {"order_id": "o-ghost", "flight_id": None, "payments": ["p-x"], "tickets": []}),
    ]


@pytest.mark.parametrize("status", ["PAID", "PENDING_PAYMENT", "CANCELLED", "EXPIRED"])
def test_a_capture_whose_order_is_not_ticketed(status):
    records = with_records(orders=[order("o-new", status, payment_id="p-new")],
                           payments=[payment("p-new", "o-new", "succeeded")])
    assert found(records) == [
        ("captured_not_ticketed", {"payment_id": "p-new", "order_id": "o-new", "flight_id": "F1"}),
        ("money_mismatch", {"order_id": "o-new", "flight_id": "F1", "payments": ["p-new"], "tickets": []}),
    ]


def test_a_second_capture_kept_by_a_ticketed_order():
    records = with_records(payments=[payment("p-1b", "o-ticketed", "succeeded")])
    assert found(records) == [
        ("captured_not_ticketed", {"payment_id": "p-1b", "order_id": "o-ticketed", "flight_id": "F1"}),
        ("money_mismatch", {"order_id": "o-ticketed", "flight_id": "F1", "payments": ["p-1", "p-1b"],
                            "tickets": ["T1"]}),
    ]


def test_a_second_capture_given_back_only_in_part():
    refund = {"refund_id": "r-1b", "amount": FARE // 2, "status": "refunded"}
    records = with_records(payments=[payment("p-1b", "o-ticketed", "refunded", refund=refund)])
    assert [kind for kind, _ in found(records)] == ["stray_capture_kept", "money_mismatch"]
    assert found(records)[0][1] == {"payment_id": "p-1b", "order_id": "o-ticketed", "flight_id": "F1",
                                    "refund_id": "r-1b"}


def test_a_refund_that_never_finishes():
    refund = {"refund_id": "r-9", "amount": FARE, "status": "refunding"}
    records = with_records(orders=[order("o-9", "TICKETED", payment_id="p-9", tickets=["T9"])],
                           payments=[payment("p-9", "o-9", "refunding", refund=refund)],
                           tickets=[ticket("T9", "o-9", "3A", status="cancelled")])
    assert found(records) == [
        ("refund_unfinished", {"payment_id": "p-9", "order_id": "o-9", "flight_id": "F1"}),
        ("money_mismatch", {"order_id": "o-9", "flight_id": "F1", "payments": ["p-9"], "tickets": []}),
    ]


def test_a_refund_the_order_does_not_show():
    refund = {"refund_id": "r-9", "amount": FARE, "status": "refunded"}
    records = with_records(orders=[order("o-9", "TICKETED", payment_id="p-9", tickets=["T9"])],
                           payments=[payment("p-9", "o-9", "refunded", refund=refund)],
                           tickets=[ticket("T9", "o-9", "3A", status="cancelled")])
    assert found(records) == [
        ("refund_not_on_order", {"payment_id": "p-9", "order_id": "o-9", "flight_id": "F1", "refund_id": "r-9"})]


def test_an_order_showing_another_refund_than_the_payment():
    refund = {"refund_id": "r-9", "amount": FARE, "status": "refunded"}
    records = with_records(orders=[order("o-9", "REFUNDED", payment_id="p-9", refund={"refund_id": "r-other",
                                                                                      "amount": FARE})],
                           payments=[payment("p-9", "o-9", "refunded", refund=refund)])
    assert [kind for kind, _ in found(records)] == ["refund_not_on_order"]


def test_a_refunded_payment_without_its_refund():
    records = with_records(orders=[order("o-9", "REFUNDED", payment_id="p-9")],
                           payments=[payment("p-9", "o-9", "refunded")])
    assert [kind for kind, _ in found(records)] == ["refund_missing", "money_mismatch"]


def test_a_ticket_whose_seat_is_not_sold_to_its_order():
    records = with_records(
        orders=[order("o-7", "TICKETED", payment_id="p-7", tickets=["T7", "T8"])],
        payments=[payment("p-7", "o-7", "succeeded", amount=2 * FARE)],
        tickets=[ticket("T7", "o-7", "4A"), ticket("T8", "o-7", "4B")],
        seats=[seat("4A", "o-someone-else")])
    assert found(records) == [
        ("ticket_seat_not_sold", {"ticket": "T7", "order_id": "o-7", "flight_id": "F1", "seat": "4A"}),
        ("ticket_seat_not_sold", {"ticket": "T8", "order_id": "o-7", "flight_id": "F1", "seat": "4B"}),
        ("sold_seat_without_ticket", {"flight_id": "F1", "seat": "4A", "order_id": "o-someone-else"}),
    ]


def test_a_seat_sold_twice():
    records = with_records(
        orders=[order("o-8", "TICKETED", payment_id="p-8", tickets=["T8"])],
        payments=[payment("p-8", "o-8", "succeeded")],
        tickets=[ticket("T8", "o-8", "1A")],
        seats=[seat("1A", "o-8")])
    kinds = found(records)
    assert ("seat_sold_twice", {"flight_id": "F1", "seat": "1A", "tickets": ["T1", "T8"]}) in kinds
    assert ("seat_sold_twice", {"flight_id": "F1", "seat": "1A", "orders": ["o-8", "o-ticketed"]}) in kinds


def test_the_same_seat_on_two_flights_is_two_seats():
    records = with_records(
        orders=[order("o-8", "TICKETED", payment_id="p-8", tickets=["T8"], flight="F2")],
        payments=[payment("p-8", "o-8", "succeeded")],
        tickets=[ticket("T8", "o-8", "1A", flight="F2")],
        seats=[seat("1A", "o-8", flight="F2")])
    assert found(records) == []


def test_holds_past_their_expiry_by_more_than_a_sweep():
    records = with_records(orders=[order("o-late", "PENDING_PAYMENT", expires_in=-21)],
                           seats=[seat("5A", "o-late", "held", expires_in=-21)])
    assert found(records) == [
        ("hold_overdue", {"flight_id": "F1", "seat": "5A", "order_id": "o-late"}),
        ("order_hold_overdue", {"order_id": "o-late", "flight_id": "F1"}),
    ]


def test_tickets_issued_without_money():
    records = with_records(orders=[order("o-free", "PAID")], tickets=[ticket("T6", "o-free", "6A")],
                           seats=[seat("6A", "o-free")])
    assert found(records) == [
        ("money_mismatch", {"order_id": "o-free", "flight_id": "F1", "payments": [], "tickets": ["T6"]})]


def test_tickets_worth_less_than_the_capture():
    records = with_records(orders=[order("o-5", "TICKETED", payment_id="p-5", tickets=["T5"])],
                           payments=[payment("p-5", "o-5", "succeeded")],
                           tickets=[ticket("T5", "o-5", "7A", fare=FARE - 1)], seats=[seat("7A", "o-5")])
    assert [kind for kind, _ in found(records)] == ["money_mismatch"]


def test_discrepancies_print_their_ids():
    line = reconcile(with_records(payments=[payment("p-x", "o-ghost", "succeeded")]), RULES)[0].line()
    assert line.startswith("payment_without_order: ") and "payment_id=p-x" in line and "order_id=o-ghost" in line


# -- looking twice ----------------------------------------------------------------------

def test_a_clean_first_reading_is_the_only_one():
    readings, pauses = [clean_records()], []
    result = audit(readings.pop, RULES, recheck_seconds=30, sleep=pauses.append)
    assert result.clean and result.passes == 1 and pauses == []


def test_work_in_flight_that_finishes_before_the_second_reading_is_not_reported():
    in_flight = with_records(orders=[order("o-new", "PAID", payment_id="p-new")],
                             payments=[payment("p-new", "o-new", "succeeded")])
    finished = with_records(orders=[order("o-new", "TICKETED", payment_id="p-new", tickets=["T9"])],
                            payments=[payment("p-new", "o-new", "succeeded")],
                            tickets=[ticket("T9", "o-new", "9A")], seats=[seat("9A", "o-new")])
    readings, pauses = [finished, in_flight], []
    result = audit(readings.pop, RULES, recheck_seconds=30, sleep=pauses.append)
    assert result.clean and result.passes == 2 and pauses == [30]


def test_only_what_both_readings_find_is_reported():
    stuck = [payment("p-x", "o-ghost", "succeeded")]
    first = with_records(payments=stuck, orders=[order("o-new", "PAID", payment_id="p-new")])
    second = with_records(payments=stuck, seats=[seat("8A", "o-other", "held", expires_in=-3600)])
    readings = [second, first]
    result = audit(readings.pop, RULES, recheck_seconds=1, sleep=lambda _: None)
    assert [(d.kind, d.ids.get("payment_id")) for d in result.discrepancies] == [
        ("payment_without_order", "p-x"), ("money_mismatch", None)]


def test_the_recheck_waits_for_the_slowest_recovery_timer_and_a_sweep():
    settings = Settings.from_config(load_config(environ={
        "PAYMENT_ANNOUNCE_GRACE_SECONDS": "30", "TICKET_EVENT_RELAY_SECONDS": "20", "TRACK_EVENT_RELAY_SECONDS": "5",
        "EXPIRY_SWEEP_SECONDS": "10", "EVENT_MAX_ATTEMPTS": "5", "EVENT_RETRY_PAUSE_SECONDS": "0.5"}))
    assert default_recheck_seconds(settings) == 30 + 10 + 10
    slow_retries = dataclasses.replace(settings, event_retry_pause_seconds=4.0)  # 4+8+16+32 = 60
    assert default_recheck_seconds(slow_retries) == 60 + 10 + 10


def cancelled_by_customer(refunded, due):
    refund = {"refund_id": "r-7", "amount": refunded, "reason": "order_cancelled", "status": "refunded"}
    shown = dict(order("o-7", "REFUNDED", payment_id="p-7", refund={"refund_id": "r-7", "amount": refunded}),
                 refund_due={"amount": due, "kept": FARE - due, "reason": "order_cancelled"})
    return with_records(orders=[shown], payments=[payment("p-7", "o-7", "refunded", refund=refund)])


def test_what_the_fare_rules_keep_adds_up():
    records = cancelled_by_customer(FARE * 3 // 4, FARE * 3 // 4)
    assert found(records) == []
    assert totals(records)["IDR"]["kept"] == FARE - FARE * 3 // 4


def test_a_refund_against_the_fare_rules():
    kinds = [kind for kind, _ in found(cancelled_by_customer(FARE, FARE * 3 // 4))]
    assert kinds == ["refund_against_fare_rules"]
    kinds = [kind for kind, _ in found(cancelled_by_customer(FARE // 2, FARE * 3 // 4))]
    assert sorted(kinds) == ["money_mismatch", "refund_against_fare_rules"]


def test_an_airline_refund_is_whole_whatever_the_order_said():
    refund = {"refund_id": "r-8", "amount": FARE, "reason": "flight_cancelled", "status": "refunded"}
    shown = dict(order("o-8", "REFUNDED", payment_id="p-8", refund={"refund_id": "r-8", "amount": FARE}),
                 refund_due={"amount": 0, "kept": FARE, "reason": "order_cancelled"})
    assert found(with_records(orders=[shown], payments=[payment("p-8", "o-8", "refunded", refund=refund)])) == []


# -- voluntary changes that move money -------------------------------------------------------

FEE, DIFFERENCE = 100, 200  # a change to a dearer flight: its tickets are worth FARE + DIFFERENCE


def changed(status="TICKETED", change_payment="succeeded", change_refund=None, **fields):
    """o-9 paid FARE (p-9), then changed: FEE + DIFFERENCE charged (p-9c), the new ticket T9n at the new fare."""
    shown = dict(order("o-9", status, amount=FARE + FEE + DIFFERENCE, payment_id="p-9", tickets=["T9n"]),
                 change_payments=["p-9c"], change_kept=FEE, **fields)
    paid = [payment("p-9", "o-9", "succeeded"),
            dict(payment("p-9c", "o-9", change_payment, amount=FEE + DIFFERENCE, refund=change_refund),
                 change_id="c-9")]
    tickets = [ticket("T9", "o-9", "9A", status="exchanged"), ticket("T9n", "o-9", "9B", fare=FARE + DIFFERENCE)]
    return with_records(orders=[shown], payments=paid, tickets=tickets, seats=[seat("9B", "o-9")])


def test_a_change_paid_by_card_adds_up_with_its_fee_kept():
    assert found(changed()) == []
    assert totals(changed())["IDR"]["kept"] == FEE


def test_a_change_payment_the_order_does_not_hold():
    records = changed()
    records = dataclasses.replace(records, orders=[dict(o, change_payments=[], change_kept=0) if o["id"] == "o-9"
                                                   else o for o in records.orders])
    kinds = sorted(kind for kind, _ in found(records))
    assert kinds == ["change_capture_not_taken", "money_mismatch"]


def test_a_failed_changes_payment_given_back_whole_adds_up():
    refund = {"refund_id": "r-9c", "amount": FEE + DIFFERENCE, "reason": "change_failed", "status": "refunded"}
    shown = order("o-9", "TICKETED", payment_id="p-9", tickets=["T9"])
    records = with_records(
        orders=[shown], tickets=[ticket("T9", "o-9", "9A")], seats=[seat("9A", "o-9")],
        payments=[payment("p-9", "o-9", "succeeded"),
                  dict(payment("p-9c", "o-9", "refunded", amount=FEE + DIFFERENCE, refund=refund), change_id="c-9")])
    assert found(records) == []
    partly = dict(refund, amount=FEE)
    records = dataclasses.replace(records, payments=[
        p if p["id"] != "p-9c" else dict(p, refund=partly) for p in records.payments])
    assert sorted(kind for kind, _ in found(records)) == ["change_refund_wrong", "money_mismatch"]


def cancelled_after_change(refunds):
    """o-9 changed, then cancelled by its customer: the rules refund ``due`` over both payments."""
    due = (FARE + DIFFERENCE) * 3 // 4
    own = {"refund_id": "r-9", "amount": refunds[0], "reason": "order_cancelled", "status": "refunded"}
    theirs = {"refund_id": "r-9c", "amount": refunds[1], "reason": "order_cancelled", "status": "refunded"}
    shown = dict(order("o-9", "REFUNDED", amount=FARE + FEE + DIFFERENCE, payment_id="p-9",
                       refund={"refund_id": "r-9", "amount": refunds[0]}, tickets=["T9n"]),
                 change_payments=["p-9c"], change_kept=FEE,
                 refund_due={"amount": due, "kept": FARE + FEE + DIFFERENCE - due, "reason": "order_cancelled"})
    return with_records(
        orders=[shown],
        payments=[payment("p-9", "o-9", "refunded", refund=own),
                  dict(payment("p-9c", "o-9", "refunded", amount=FEE + DIFFERENCE, refund=theirs), change_id="c-9")],
        tickets=[ticket("T9", "o-9", "9A", status="exchanged"),
                 ticket("T9n", "o-9", "9B", status="cancelled", fare=FARE + DIFFERENCE)])


def test_a_cancellation_after_a_change_refunds_by_the_rules_across_both_payments():
    due = (FARE + DIFFERENCE) * 3 // 4
    records = cancelled_after_change((FARE, due - FARE))
    assert found(records) == []
    assert totals(records)["IDR"]["kept"] == FARE + FEE + DIFFERENCE - due
    # everything given back (fee too) is against the rules, though the money adds up
    assert [kind for kind, _ in found(cancelled_after_change((FARE, FEE + DIFFERENCE)))] == [
        "refund_against_fare_rules"]


def test_a_cheaper_flights_residual_refund_adds_up_and_must_finish():
    residual = {"refund_id": "r-9r", "change_id": "c-9", "amount": DIFFERENCE, "status": "refunded",
                "reason": "change_residual"}
    shown = dict(order("o-9", "TICKETED", amount=FARE - DIFFERENCE, payment_id="p-9", tickets=["T9n"]),
                 change_payments=[], change_kept=0)
    records = with_records(
        orders=[shown], payments=[dict(payment("p-9", "o-9", "succeeded"), partial_refunds=[residual])],
        tickets=[ticket("T9", "o-9", "9A", status="exchanged"), ticket("T9n", "o-9", "9B", fare=FARE - DIFFERENCE)],
        seats=[seat("9B", "o-9")])
    assert found(records) == []
    unfinished = dataclasses.replace(records, payments=[
        dict(p, partial_refunds=[dict(residual, status="refunding")]) if p["id"] == "p-9" else p
        for p in records.payments])
    assert sorted(kind for kind, _ in found(unfinished)) == ["money_mismatch", "refund_unfinished"]
