"""Plain unit tests of check-in and boarding: the IATA BCBP string written and read back,
the check-in window, what the gate refuses."""
from collections import namedtuple
from datetime import UTC, date, datetime, timedelta

import pytest

from ticket import bcbp
from ticket.domain import BOARDED, CANCELLED, CHECKED_IN, ISSUED, NO_SHOW, boarding_refusal, check_in_refusal

DEPARTURE = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)
Flight = namedtuple("Flight", "status track_status departure_at now closed_reason", defaults=(None,))
Ticket = namedtuple("Ticket", "number flight_id status")
CheckIn = namedtuple("CheckIn", "state sequence booking_ref")


def a_pass(**changes):
    values = dict(passenger_name="Ada King Lovelace", pnr="K7M2QX", origin="CGK", destination="DPS",
                  flight_number="GA123", local_departure_date=date(2026, 3, 4), cabin_class="economy", seat="14C",
                  sequence=7, ticket_number="9990000000012", issued_on=date(2026, 3, 3))
    values.update(changes)
    return bcbp.encode(**values)


def test_the_mandatory_items_have_their_exact_widths():
    text = a_pass()
    assert text[:60] == "M1LOVELACE/ADA KING   EK7M2QX CGKDPSGA 0123 063Y014C0007 1" + text[58:60]
    assert int(text[58:60], 16) == len(text) - 60 == 30
    assert text[60:] == ">60B0WW6062BGA 0D9990000000012"


def test_a_pass_reads_back_into_its_fields():
    assert bcbp.parse(a_pass()) == bcbp.Leg(
        passenger_name="LOVELACE/ADA KING", pnr="K7M2QX", origin="CGK", destination="DPS", carrier="GA",
        flight_number="123", flight_date=63, compartment="Y", seat="14C", sequence=7, passenger_status="1",
        ticket_number="9990000000012", issue_date="6062",
    )


@pytest.mark.parametrize(("name", "printed"), [
    ("Zoë Ångström", "ANGSTROM/ZOE"),
    ("Plato", "PLATO"),
    ("Maximiliana Theodora Wolfeschlegelstein", "WOLFESCHLEGELSTEIN/M"),
    ("Jean-Luc O'Neil", "ONEIL/JEANLUC"),
])
def test_names_are_surname_slash_given_in_ascii_capitals_at_most_20(name, printed):
    assert bcbp.bcbp_name(name) == printed
    assert len(a_pass(passenger_name=name)) == 90


@pytest.mark.parametrize(("number", "carrier", "digits"), [("GA1", "GA", "0001 "), ("3K123A", "3K", "0123A"),
                                                         ("GIA4567", "GIA", "4567 ")])
def test_carrier_and_flight_number_fields(number, carrier, digits):
    text = a_pass(flight_number=number)
    assert text[36:39] == carrier.ljust(3) and text[39:44] == digits
    leg = bcbp.parse(text)
    assert leg.carrier + leg.flight_number == number


def test_business_is_compartment_c_and_a_seatless_pass_is_blank():
    text = a_pass(cabin_class="business", seat=None)
    assert text[47] == "C" and text[48:52] == "    " and bcbp.parse(text).seat == ""


@pytest.mark.parametrize("text", ["", "M1SHORT", a_pass().replace("M1", "M2", 1), a_pass()[:50] + "\x00" * 40,
                                  a_pass()[:52] + "ABCDE" + a_pass()[57:], 12345])
def test_what_is_not_a_pass_is_refused(text):
    with pytest.raises(bcbp.InvalidPass):
        bcbp.parse(text)


def test_a_pass_without_conditional_items_has_no_ticket_number():
    assert bcbp.parse(a_pass()[:58] + "00").ticket_number is None


# -- the window ------------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "code"), [
    (timedelta(hours=48, seconds=1), "CHECK_IN_NOT_OPEN"),
    (timedelta(hours=48), None),
    (timedelta(hours=1, seconds=1), None),
    (timedelta(hours=1), "CHECK_IN_CLOSED"),
    (-timedelta(minutes=5), "CHECK_IN_CLOSED"),
])
def test_check_in_opens_48_hours_and_closes_1_hour_before_departure(before, code):
    flight = Flight("open", None, DEPARTURE, DEPARTURE - before)
    refusal = check_in_refusal(flight, ISSUED, 48, 60)
    assert (refusal[0] if refusal else None) == code


def test_a_closed_or_boarding_flight_and_a_cancelled_ticket_do_not_check_in():
    now = DEPARTURE - timedelta(hours=3)
    assert check_in_refusal(Flight("closed", None, DEPARTURE, now), ISSUED, 48, 60)[0] == "CHECK_IN_CLOSED"
    assert check_in_refusal(Flight("open", "boarding", DEPARTURE, now), ISSUED, 48, 60)[0] == "CHECK_IN_CLOSED"
    assert check_in_refusal(Flight("open", None, DEPARTURE, now), CANCELLED, 48, 60)[0] == "TICKET_NOT_VALID"


# -- the gate ----------------------------------------------------------------------------------

VALID_TICKET = Ticket("9990000000012", "f1", ISSUED)
CHECKED = CheckIn(CHECKED_IN, 7, "K7M2QX")
BOARDING_FLIGHT = Flight("open", "boarding", DEPARTURE, DEPARTURE)


def gate(ticket=VALID_TICKET, check_in=CHECKED, flight=BOARDING_FLIGHT, flight_id="f1"):
    refusal = boarding_refusal(flight_id, ticket, check_in, bcbp.parse(a_pass()), flight)
    return refusal[0] if refusal else None


def test_what_the_gate_refuses():
    assert gate() is None
    assert gate(check_in=CheckIn(BOARDED, 7, "K7M2QX")) == "ALREADY_BOARDED"
    assert gate(check_in=None) == "NOT_CHECKED_IN"
    assert gate(check_in=CheckIn(NO_SHOW, None, None)) == "NOT_CHECKED_IN"
    assert gate(check_in=CheckIn(CHECKED_IN, 8, "K7M2QX")) == "NOT_CHECKED_IN"  # not the pass issued
    assert gate(flight_id="f2") == "WRONG_FLIGHT"
    assert gate(ticket=None) == "UNKNOWN_BOARDING_PASS"
    assert gate(ticket=Ticket("9990000000012", "f1", CANCELLED)) == "TICKET_NOT_VALID"
    assert gate(flight=Flight("closed", None, DEPARTURE, DEPARTURE, "departed")) == "BOARDING_CLOSED"
