"""Disruption rules (``order.domain``): which retime disrupts, the options, the seats moved."""
from datetime import UTC, datetime, timedelta

from order.domain import disruption_options, reseated, retime_reason

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def leg(departure, arrival):
    return {"departure_at": departure.isoformat(), "arrival_at": arrival.isoformat()}


def test_a_delay_disrupts_from_the_threshold_on():
    assert retime_reason({}, "f", 180, 180, [], 45) == "delay"
    assert retime_reason({}, "f", 179, 180, [], 45) is None


def test_a_connection_shorter_than_the_minimum_or_out_of_order_is_broken():
    first = leg(T0, T0 + timedelta(hours=2))
    assert retime_reason({}, "f", 30, 180, [first, leg(T0 + timedelta(hours=2, minutes=44), T0 + timedelta(hours=4))],
                         45) == "connection_broken"
    assert retime_reason({}, "f", 30, 180, [first, leg(T0 + timedelta(hours=1), T0 + timedelta(hours=3))],
                         45) == "connection_broken"
    assert retime_reason({}, "f", 30, 180, [first, leg(T0 + timedelta(hours=3), T0 + timedelta(hours=4))],
                         45) is None


def test_options_a_refund_and_a_move_within_the_window_but_only_a_refund_when_cancelled():
    assert disruption_options("delay", T0.isoformat(), 72) == [
        {"type": "refund"}, {"type": "move", "until": (T0 + timedelta(hours=72)).isoformat()}]
    assert disruption_options("cancelled", T0.isoformat(), 72) == [{"type": "refund"}]


def test_reseating_moves_the_passengers_and_tickets_of_that_flight_only():
    order = {"flight_id": "f1", "passengers": [{"name": "A", "seat": "4A"}, {"name": "B", "seat": "1B"}],
             "tickets": [{"flight_id": "f1", "seat": "4A"}, {"flight_id": "f2", "seat": "4A"}]}
    passengers, tickets = reseated(order, "f1", [{"from": "4A", "to": "2C"}])
    assert [p["seat"] for p in passengers] == ["2C", "1B"]
    assert [t["seat"] for t in tickets] == ["2C", "4A"]
