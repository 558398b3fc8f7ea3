"""The IATA Bar Coded Boarding Pass (Resolution 792), format ``M``, one leg: building the
string a boarding pass carries and reading it back (the gate scan). Pure functions.

The mandatory items have fixed widths (60 characters in all); the conditional section
that follows (version 6) carries the items a gate needs to find the ticket: the
passenger description, where the check-in and the pass came from, the date of issue,
the document type, the issuing airline, and the ticket number (airline numeric code +
document serial number). Field sizes in the string are two hexadecimal digits.
"""
import re
import unicodedata
from dataclasses import dataclass

from common.names import name_parts

FORMAT_CODE = "M"
VERSION = "6"
ELECTRONIC_TICKET = "E"
CHECKED_IN = "1"  # passenger status: checked in
WEB = "W"  # source of check-in and of the pass's issuance
BOARDING_PASS = "B"
ADULT = "0"
NAME_WIDTH = 20

# the mandatory items of one leg, in order, with their widths
MANDATORY = (
    ("format_code", 1), ("legs", 1), ("passenger_name", NAME_WIDTH), ("electronic_ticket", 1),
    ("pnr", 7), ("origin", 3), ("destination", 3), ("carrier", 3), ("flight_number", 5),
    ("flight_date", 3), ("compartment", 1), ("seat", 4), ("sequence", 5), ("passenger_status", 1),
    ("conditional_size", 2),
)
MANDATORY_WIDTH = sum(width for _name, width in MANDATORY)
UNIQUE_CONDITIONAL = (
    ("passenger_description", 1), ("check_in_source", 1), ("issuance_source", 1), ("issue_date", 4),
    ("document_type", 1), ("issuer", 3),
)
REPEATED_CONDITIONAL = (("airline_code", 3), ("document_number", 10))

COMPARTMENTS = {"first": "F", "business": "C", "premium_economy": "W", "economy": "Y"}
_FLIGHT_NUMBER = re.compile(r"^([A-Z0-9]{2}|[A-Z]{3})(\d{1,4})([A-Z]?)$")


class InvalidPass(ValueError):
    """Not a boarding pass this system can read."""


@dataclass(frozen=True)
class Leg:
    """What one boarding pass says, in plain values."""

    passenger_name: str  # SURNAME/GIVEN as printed (trailing blanks removed)
    pnr: str
    origin: str
    destination: str
    carrier: str
    flight_number: str  # digits and optional suffix, e.g. "123" or "123A"
    flight_date: int  # day of the year of the local departure date
    compartment: str
    seat: str  # "14C", or "" when no seat is given
    sequence: int
    passenger_status: str
    ticket_number: str | None = None
    issue_date: str | None = None


def bcbp_name(full_name):
    """``"Ada King Lovelace"`` -> ``"LOVELACE/ADA KING"``: ASCII capitals, at most 20 characters."""
    surname, given = (_ascii(part) for part in name_parts(full_name))
    return (f"{surname}/{given}" if given else surname)[:NAME_WIDTH]


def split_flight_number(flight_number):
    """``"GA123"`` -> ``("GA", "123")``; InvalidPass for a flight number of another shape."""
    match = _FLIGHT_NUMBER.match((flight_number or "").upper())
    if not match:
        raise InvalidPass(f"Not an airline flight number: {flight_number!r}.")
    return match.group(1), match.group(2) + match.group(3)


def compartment_code(cabin_class):
    return COMPARTMENTS.get((cabin_class or "").lower(), "Y")


def encode(*, passenger_name, pnr, origin, destination, flight_number, local_departure_date, cabin_class,
           seat, sequence, ticket_number, issued_on):
    """The BCBP string of one checked-in passenger. ``local_departure_date`` and
    ``issued_on`` are dates (the first at the origin airport)."""
    carrier, number = split_flight_number(flight_number)
    digits, suffix = re.match(r"(\d+)(\D?)", number).groups()
    unique = "".join((
        ADULT, WEB, WEB, f"{issued_on.year % 10}{issued_on.timetuple().tm_yday:03d}", BOARDING_PASS,
        carrier.ljust(3),
    ))
    repeated = ticket_number[:3] + ticket_number[3:].rjust(10, "0")
    conditional = f">{VERSION}{len(unique):02X}{unique}{len(repeated):02X}{repeated}"
    return "".join((
        FORMAT_CODE, "1", bcbp_name(passenger_name).ljust(NAME_WIDTH), ELECTRONIC_TICKET,
        pnr.upper().ljust(7)[:7], origin.upper(), destination.upper(), carrier.ljust(3),
        (digits.rjust(4, "0") + suffix).ljust(5), f"{local_departure_date.timetuple().tm_yday:03d}",
        compartment_code(cabin_class), _seat_field(seat), _sequence_field(sequence), CHECKED_IN,
        f"{len(conditional):02X}", conditional,
    ))


def parse(text):
    """The ``Leg`` a BCBP string describes; InvalidPass if it is not one (only
    one-leg passes of format ``M`` are read)."""
    if not isinstance(text, str) or len(text) < MANDATORY_WIDTH or not text.isascii() or not text.isprintable():
        raise InvalidPass("Not an IATA BCBP string.")
    items, position = {}, 0
    for name, width in MANDATORY:
        items[name] = text[position:position + width]
        position += width
    if items["format_code"] != FORMAT_CODE or items["legs"] != "1":
        raise InvalidPass("Only one-leg boarding passes of format M are read.")
    try:
        conditional_size = int(items["conditional_size"], 16)
        sequence = int(items["sequence"].strip())
        flight_date = int(items["flight_date"])
    except ValueError:
        raise InvalidPass("A numeric item of the pass is not a number.")
    conditional = _conditional(text[position:position + conditional_size])
    return Leg(
        passenger_name=items["passenger_name"].rstrip(), pnr=items["pnr"].rstrip(), origin=items["origin"],
        destination=items["destination"], carrier=items["carrier"].rstrip(),
        flight_number=items["flight_number"].strip().lstrip("0"), flight_date=flight_date,
        compartment=items["compartment"], seat=_seat_label(items["seat"]), sequence=sequence,
        passenger_status=items["passenger_status"], ticket_number=conditional.get("ticket_number"),
        issue_date=conditional.get("issue_date"),
    )


def _conditional(text):
    """The items of the conditional section this system writes (version 6 layout)."""
    if not text.startswith(">"):
        return {}
    found, position = {}, 2
    try:
        unique_size = int(text[position:position + 2], 16)
        position += 2
        unique_end = position + unique_size
        for name, width in UNIQUE_CONDITIONAL:
            if position + width <= unique_end:
                found[name] = text[position:position + width]
            position += width
        position = unique_end
        repeated_size = int(text[position:position + 2], 16)
    except ValueError:
        raise InvalidPass("The conditional items of the pass are malformed.")
    repeated = text[position + 2:position + 2 + repeated_size]
    if len(repeated) >= 13 and repeated[:13].isdigit():
        found["ticket_number"] = repeated[:13]
    return found


def _seat_field(seat):
    if not seat:
        return "    "
    row, letter = re.match(r"(\d+)([A-Z]+)", seat).groups()
    return f"{int(row):03d}{letter}"[:4]


def _seat_label(field):
    match = re.match(r"^(\d{1,3})([A-Z])$", field.strip())
    return f"{int(match.group(1))}{match.group(2)}" if match else ""


def _sequence_field(sequence):
    return f"{sequence:04d} " if sequence < 10000 else f"{sequence:05d}"


def _ascii(text):
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    return re.sub(r"[^A-Z ]", "", plain).strip()
