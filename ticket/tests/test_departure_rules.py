"""Plain unit tests of the departure rules: when booking closes, how long a hold
lasts, why a paid order gets no tickets; and the audit's page cursors."""
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from ticket.domain import (
    REASON_FLIGHT_DEPARTED,
    REASON_HOLD_LOST,
    closed_for_booking_because,
    hold_expiry,
    refusal_of_ticketing,
)
from ticket.schemas import AuditPageSchema, cursor

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
Flight = namedtuple("Flight", "status closed_reason track_status departure_at now")


def flight(status="open", closed_reason=None, track_status=None, departs_in=timedelta(hours=2)):
    return Flight(status, closed_reason, track_status, NOW + departs_in, NOW)


def test_an_open_flight_before_departure_is_bookable():
    assert closed_for_booking_because(flight()) is None
    assert closed_for_booking_because(flight(track_status="delayed")) is None


@pytest.mark.parametrize(("the_flight", "reason"), [
    (flight(status="closed", closed_reason="departed"), "departed"),
    (flight(status="closed", closed_reason="arrived"), "arrived"),
    (flight(status="closed", closed_reason="cancelled"), "cancelled"),
    (flight(status="closed"), "closed"),
    (flight(track_status="boarding"), "boarding"),
    # track has not said so yet, but the departure time has come
    (flight(departs_in=timedelta(0)), "departed"),
    (flight(departs_in=timedelta(minutes=-5)), "departed"),
    (Flight("open", None, None, None, NOW), "departed"),
])
def test_booking_closes_at_departure_at_the_latest(the_flight, reason):
    assert closed_for_booking_because(the_flight) == reason


def test_a_hold_lasts_its_ttl_but_never_past_departure():
    assert hold_expiry(NOW, 900, NOW + timedelta(hours=1)) == NOW + timedelta(seconds=900)
    assert hold_expiry(NOW, 900, NOW + timedelta(seconds=60)) == NOW + timedelta(seconds=60)
    assert hold_expiry(NOW, 900, NOW + timedelta(seconds=900)) == NOW + timedelta(seconds=900)


def test_a_paid_order_is_ticketed_only_while_it_holds_and_the_flight_has_not_left():
    assert refusal_of_ticketing("held", flight()) is None
    assert refusal_of_ticketing("closed", flight()) == REASON_HOLD_LOST
    assert refusal_of_ticketing("held", None) == REASON_HOLD_LOST
    assert refusal_of_ticketing("held", flight(status="closed", closed_reason="cancelled")) == REASON_HOLD_LOST
    for gone in (flight(status="closed", closed_reason="departed"), flight(status="closed", closed_reason="arrived"),
                 flight(track_status="boarding"), flight(departs_in=timedelta(seconds=-1))):
        assert refusal_of_ticketing("held", gone) == REASON_FLIGHT_DEPARTED
    # an order that lost its hold is refunded as such, whatever the flight did since
    assert refusal_of_ticketing("closed", flight(track_status="boarding")) == REASON_HOLD_LOST


def test_audit_cursors_round_trip_and_bad_ones_are_refused():
    page = AuditPageSchema().load({"after": cursor("flight-1", "12A"), "limit": 2})
    assert page == {"after": ["flight-1", "12A"], "limit": 2}
    assert AuditPageSchema().load({}) == {"after": None, "limit": 500}
    for bad in ({"after": "not a cursor"}, {"after": cursor() + "x"}, {"limit": 0}, {"limit": 1001}):
        with pytest.raises(ValidationError):
            AuditPageSchema().load(bad)
