"""marshmallow schemas for the ticket service's inputs (RPC arguments, event payloads)
and answers. Event payloads ignore unknown fields: publishers may add to them.

The answer schemas are the one definition of what ticket returns: its answers are
made by dumping them, and the gateway documents its routes with them."""
import base64
import json
from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from common.schemas import UtcDateTime, no_control_characters
from ticket.domain import (
    AVAILABLE,
    CANCELLED,
    CLOSED,
    EXCHANGED,
    HELD,
    ISSUED,
    MAX_SEATS_PER_HOLD,
    OPEN,
    SOLD,
    duplicates,
    parse_seat,
)

Name = validate.Length(min=1, max=64)


class Id(fields.String):
    """An id: a non-empty string (an integer is accepted and turned into one)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _id(**kwargs):
    return Id(validate=Name, **kwargs)


class SeatLabel(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        label = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if parse_seat(label) is None:
            raise ValidationError(f"Not a seat: {value!r} (expected a row and a letter, e.g. 12A).")
        return label


class SeatMoveSchema(Schema):
    seat = SeatLabel(required=True, metadata={"description": "the passenger's seat on the old flight"})
    new_seat = SeatLabel(load_default=None, allow_none=True, metadata={"description": "none: one is assigned"})


class ExchangeRequestSchema(Schema):
    """``exchange_tickets``: the order's tickets on ``old_flight_id`` replaced by tickets on
    ``new_flight_id`` (``moves``: each seated passenger's old seat and wanted new one)."""

    change_id = _id(required=True)
    order_id = _id(required=True)
    old_flight_id = _id(required=True)
    new_flight_id = _id(required=True)
    cabin_class = fields.String(required=True, validate=Name)
    moves = fields.List(fields.Nested(SeatMoveSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_SEATS_PER_HOLD))
    # each passenger type's fare on the new flight, as order priced the change; None: the old fares
    fares = fields.Dict(keys=fields.String(validate=validate.OneOf(("adult", "child", "infant"))),
                        values=fields.Integer(strict=True, validate=validate.Range(min=0)),
                        load_default=None, allow_none=True)

    @validates_schema
    def check_request(self, data, **kwargs):
        named = [move["new_seat"] for move in data.get("moves", []) if move["new_seat"]]
        repeated = duplicates(named)
        if repeated:
            raise ValidationError(f"Seats requested more than once: {', '.join(repeated)}.", "moves")


class HoldRequestSchema(Schema):
    order_id = _id(required=True)
    flight_id = _id(required=True)
    seats = fields.List(SeatLabel(), load_default=list, validate=validate.Length(max=MAX_SEATS_PER_HOLD))
    cabin_class = fields.String(load_default=None, allow_none=True, validate=Name)
    count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_SEATS_PER_HOLD))

    @validates_schema
    def check_request(self, data, **kwargs):
        seats, count = data.get("seats", []), data.get("count", 0)
        repeated = duplicates(seats)
        if repeated:
            raise ValidationError(f"Seats requested more than once: {', '.join(repeated)}.", "seats")
        if not seats and not count:
            raise ValidationError("Name at least one seat or ask for a count of seats.", "seats")
        if count and not data.get("cabin_class"):
            raise ValidationError("A cabin class is needed to assign seats.", "cabin_class")
        if len(seats) + count > MAX_SEATS_PER_HOLD:
            raise ValidationError(f"At most {MAX_SEATS_PER_HOLD} seats per order.", "count")


MAX_SEGMENTS = 4
PASSENGER_TYPES = ("adult", "child", "infant")


class SegmentHoldSchema(Schema):
    flight_id = _id(required=True)
    seats = fields.List(SeatLabel(), load_default=list, validate=validate.Length(max=MAX_SEATS_PER_HOLD))
    cabin_class = fields.String(load_default=None, allow_none=True, validate=Name)
    count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_SEATS_PER_HOLD))

    check_request = HoldRequestSchema.check_request


class ItineraryHoldSchema(Schema):
    """``hold_itinerary``: the seats of one order on each of its flights (named, or a count
    of seats of a cabin class to assign), held all at once or not at all."""

    order_id = _id(required=True)
    segments = fields.List(fields.Nested(SegmentHoldSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_SEGMENTS))

    @validates_schema
    def distinct_flights(self, data, **kwargs):
        repeated = duplicates([segment["flight_id"] for segment in data.get("segments", [])])
        if repeated:
            raise ValidationError(f"Flights in the itinerary more than once: {', '.join(repeated)}.", "segments")


class _Event(Schema):
    class Meta:
        unknown = EXCLUDE


class ScheduledSeatSchema(_Event):
    seat = SeatLabel(required=True)
    cabin_class = fields.String(required=True, data_key="class", validate=Name)


class FlightScheduledSchema(_Event):
    flight_id = _id(required=True)
    departure_at = fields.AwareDateTime(required=True)
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    fares = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=0)), required=True)
    seats = fields.List(fields.Nested(ScheduledSeatSchema), required=True)

    @validates_schema
    def check_fares(self, data, **kwargs):
        missing = sorted({s["cabin_class"] for s in data.get("seats", [])} - set(data.get("fares", {})))
        if missing:
            raise ValidationError(f"No fare for class: {', '.join(missing)}.", "fares")


class AirplaneChangedSchema(FlightScheduledSchema):
    """track's ``flight_airplane_changed``: the flight's seats for its new airplane."""

    airplane_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class FlightRefSchema(_Event):
    flight_id = _id(required=True)


class FlightStatusChangedSchema(_Event):
    flight_id = _id(required=True)
    new = fields.String(required=True)
    departure_at = fields.AwareDateTime(load_default=None, allow_none=True)


class PassengerSchema(_Event):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    seat = SeatLabel(required=True)


class SegmentPassengerSchema(_Event):
    """A ticket to issue: who, on which seat (none for an infant), at what fare (``None``:
    the seat's price), in which class (an infant's: its adult's)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    seat = SeatLabel(load_default=None, allow_none=True)
    type = fields.String(load_default="adult", validate=validate.OneOf(PASSENGER_TYPES))
    index = fields.Integer(load_default=None, allow_none=True)
    fare = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    cabin_class = fields.String(data_key="class", load_default=None, allow_none=True, validate=Name)

    @validates_schema
    def seated(self, data, **kwargs):
        if data.get("seat") is None and (data.get("type") != "infant" or not data.get("cabin_class")):
            raise ValidationError("Only an infant travels without a seat (in its adult's class).", "seat")


class PaidSegmentSchema(_Event):
    flight_id = _id(required=True)
    passengers = fields.List(fields.Nested(SegmentPassengerSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_SEATS_PER_HOLD))

    @validates_schema
    def check_seats(self, data, **kwargs):
        repeated = duplicates([p["seat"] for p in data.get("passengers", []) if p["seat"]])
        if repeated:
            raise ValidationError(f"Seats given to two passengers: {', '.join(repeated)}.", "passengers")


class OrderPaidSchema(_Event):
    """``order_paid``: ``segments`` (every flight of the order and its tickets to issue),
    or, from a one-flight order of before itineraries, ``flight_id`` and ``passengers``
    (which ``segments`` then stands for)."""

    order_id = _id(required=True)
    user_id = _id(load_default=None, allow_none=True)
    flight_id = _id(required=True)
    # the booking as order sold it, passed on with ``tickets_issued`` (absent from older orders' events)
    booking_ref = fields.String(load_default=None, allow_none=True)
    amount = fields.Integer(load_default=None, allow_none=True)
    currency = fields.String(load_default=None, allow_none=True)
    passengers = fields.List(fields.Nested(PassengerSchema), validate=validate.Length(min=1, max=MAX_SEATS_PER_HOLD))
    segments = fields.List(fields.Nested(PaidSegmentSchema), validate=validate.Length(min=1, max=MAX_SEGMENTS))

    @validates_schema
    def check_seats(self, data, **kwargs):
        if not data.get("segments") and not data.get("passengers"):
            raise ValidationError("No passengers.", "segments")
        repeated = duplicates([p["seat"] for p in data.get("passengers") or []])
        if repeated:
            raise ValidationError(f"Seats given to two passengers: {', '.join(repeated)}.", "passengers")

    @post_load
    def as_segments(self, data, **kwargs):
        if not data.get("segments"):
            data["segments"] = [{"flight_id": data["flight_id"], "passengers": [
                {"name": p["name"], "seat": p["seat"], "type": "adult", "index": i, "fare": None, "cabin_class": None}
                for i, p in enumerate(data["passengers"])]}]
        return data


class OrderRefSchema(_Event):
    """What a compensation needs of an ``order_paid`` whose handling kept failing."""

    order_id = _id(required=True)
    flight_id = _id(load_default=None, allow_none=True)


class OrderClosedSchema(_Event):
    order_id = _id(required=True)
    flight_id = _id(load_default=None, allow_none=True)
    flight_ids = fields.List(_id(), load_default=None, allow_none=True)
    paid = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True)
    # what the fare rules refund of a paid order cancelled by its customer (None: all of it)
    refund_amount = fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=validate.Range(min=0))

    @post_load
    def every_flight(self, data, **kwargs):
        data["flight_ids"] = data["flight_ids"] or ([data["flight_id"]] if data["flight_id"] else [])
        return data


def iso(moment):
    return moment.isoformat() if moment else None


# -- answers ------------------------------------------------------------------------------

class Moment(fields.DateTime):
    """An ISO 8601 timestamp. A value that is already one (a copy of a ticket kept by
    another service) passes unchanged."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class TicketSchema(Schema):
    """An e-ticket (a ``models.Ticket``), as ``GET /tickets`` and ``tickets_issued`` show it."""

    number = fields.String(metadata={"example": "9991234567890"})
    order_id = fields.String()
    flight_id = fields.String()
    user_id = fields.String(allow_none=True)
    passenger_name = fields.String()
    passenger_type = fields.String(validate=validate.OneOf(PASSENGER_TYPES), metadata={"example": "adult"})
    passenger_index = fields.Integer(allow_none=True, metadata={
        "description": "the passenger's place in the order's passengers (from 0)"})
    seat = fields.String(allow_none=True, metadata={"example": "12A", "description": "none for an infant"})
    cabin_class = fields.String(data_key="class", metadata={"example": "economy"})
    fare = fields.Integer(metadata={"description": "minor units of currency (a child's or an infant's "
                                                   "share of the fare)"})
    currency = fields.String(metadata={"example": "IDR"})
    status = fields.String(validate=validate.OneOf((ISSUED, CANCELLED, EXCHANGED)), metadata={
        "example": ISSUED, "description": "exchanged: replaced by a ticket on another flight (a change)"})
    issued_at = Moment()
    cancelled_at = Moment(allow_none=True)


class TicketListSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "give it as `cursor` for the next page; null on the last one"})


class SeatMapSeatSchema(Schema):
    seat = fields.String(metadata={"example": "12A"})
    cabin_class = fields.String(data_key="class", metadata={"example": "economy"})
    price = fields.Integer(metadata={"description": "minor units of currency"})
    status = fields.String(validate=validate.OneOf((AVAILABLE, HELD, SOLD)), metadata={"example": AVAILABLE})


class SeatMapSchema(Schema):
    """A flight's seats in seat order; a lapsed hold shows as available."""

    flight_id = fields.String()
    currency = fields.String(metadata={"example": "IDR"})
    status = fields.String(validate=validate.OneOf((OPEN, CLOSED)), metadata={"description": "open for booking"})
    seats = fields.List(fields.Nested(SeatMapSeatSchema))


class ClassAvailabilitySchema(Schema):
    """One cabin class of a flight in ``availability``'s answer,
    ``{flight_id: {cabin class: {available, price}}}``."""

    available = fields.Integer(metadata={"description": "seats free to book (0 on a closed flight)"})
    price = fields.Integer(metadata={"description": "lowest fare of the class"})


_TICKET = TicketSchema()
_TICKETS = TicketSchema(many=True)


def dump_ticket(ticket):
    return _TICKET.dump(ticket)


def dump_tickets(tickets):
    return _TICKETS.dump(tickets)


# Seat maps and availability are on the booking and search hot paths, where a schema
# dump costs ~50x the dicts built here (10 ms against 0.2 ms for a 204-seat map);
# ticket/tests/test_answers.py checks that these keys are the schemas' fields.

def seat_map_answer(flight, seats):
    """``SeatMapSchema``: ``flight`` a ``models.Flight``, ``seats`` rows of
    ``seat, cabin_class, price, status``."""
    return {
        "flight_id": flight.flight_id,
        "currency": flight.currency,
        "status": flight.status,
        "seats": [{"seat": s.seat, "class": s.cabin_class, "price": s.price, "status": s.status} for s in seats],
    }


def availability_answer(rows):
    """``{flight_id: {cabin class: ClassAvailabilitySchema}}`` from rows of
    ``flight_id, cabin_class, available, price``."""
    answer = {}
    for row in rows:
        answer.setdefault(row.flight_id, {})[row.cabin_class] = {"available": row.available, "price": row.price}
    return answer


def counts_answer(rows):
    """``availability_changed``'s ``{flight_id: {version, classes: {class: ClassAvailabilitySchema}}}``
    from rows of ``flight_id, cabin_class, available, price, version``; a flight's version
    is the highest of its classes'."""
    answer = {}
    for row in rows:
        flight = answer.setdefault(row.flight_id, {"version": 0, "classes": {}})
        flight["version"] = max(flight["version"], row.version)
        flight["classes"][row.cabin_class] = {"available": row.available, "price": row.price}
    return answer


# -- the audit (``make audit``): this service's own records, page by page ------------------

AUDIT_MAX_PAGE = 1000


class Cursor(fields.String):
    """An opaque page cursor: the sort key of the last row of the previous page."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            key = json.loads(base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True))
        except (ValueError, UnicodeError) as exc:
            raise ValidationError("Not a cursor from a previous page.") from exc
        if not isinstance(key, list) or not all(isinstance(part, str) for part in key):
            raise ValidationError("Not a cursor from a previous page.")
        return key


def cursor(*key):
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode("ascii")


MY_TICKETS_MAX_PAGE = 100


class TicketPageQuerySchema(Schema):
    """``GET /tickets``'s query: the caller's e-tickets, newest first, a page at a time
    (the default page is the largest, so a client that reads one page sees what it saw
    before paging, up to 100)."""

    limit = fields.Integer(load_default=MY_TICKETS_MAX_PAGE, validate=validate.Range(min=1, max=MY_TICKETS_MAX_PAGE))
    cursor = Cursor(load_default=None, allow_none=True)

    @post_load
    def _resolve_cursor(self, data, **_kwargs):
        """``after``: ``(issued_at, number)`` of the previous page's last ticket, or None."""
        key = data.pop("cursor")
        data["after"] = self._after(key) if key is not None else None
        if key is not None and data["after"] is None:
            raise ValidationError("Not a cursor from a previous page.", "cursor")
        return data

    @staticmethod
    def _after(key):
        try:
            issued_at = datetime.fromisoformat(key[0]) if len(key) == 2 else None
        except ValueError:
            return None
        if issued_at is None or issued_at.tzinfo is None or not key[1].isdigit():
            return None
        return issued_at, key[1]


def tickets_page(tickets, limit):
    """``{"items", "next_cursor"}`` of ``tickets`` read with one more than ``limit``."""
    page = tickets[:limit]
    more = len(tickets) > limit
    return {"items": dump_tickets(page),
            "next_cursor": cursor(page[-1].issued_at.isoformat(), page[-1].number) if more else None}


class AuditPageSchema(Schema):
    after = Cursor(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=AUDIT_MAX_PAGE))


class AuditTicketSchema(Schema):
    """One e-ticket, as ``ticket.audit_tickets`` lists it (issued or cancelled)."""

    number = fields.String()
    order_id = fields.String()
    flight_id = fields.String()
    seat = fields.String()
    status = fields.String(validate=validate.OneOf((ISSUED, CANCELLED, EXCHANGED)))
    fare = fields.Integer(metadata={"description": "minor units of currency"})
    currency = fields.String()
    updated_at = UtcDateTime(metadata={"description": "issued or cancelled at"})


class AuditSeatSchema(Schema):
    """A seat that is not available, as ``ticket.audit_seats`` lists it (a lapsed hold
    the sweep has not tidied yet included, with its expiry)."""

    flight_id = fields.String()
    seat = fields.String()
    status = fields.String(validate=validate.OneOf((HELD, SOLD)))
    order_id = fields.String()
    hold_expires_at = UtcDateTime(allow_none=True)


def audit_page(schema, rows, limit, key):
    """``{"items", "next"}``: ``rows`` were read with one more than ``limit``, so a
    full page knows whether another follows."""
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": schema.dump(page, many=True), "next": cursor(*key(page[-1])) if more else None}


# -- check-in, boarding passes, boarding ---------------------------------------------------

class CheckInBodySchema(Schema):
    """``POST /tickets/{number}/check-in``'s body: empty for the ticket's owner (with a
    bearer token); the booking reference and a passenger's last name without one."""

    booking_ref = fields.String(validate=[validate.Length(min=1, max=16), no_control_characters],
                                metadata={"example": "K7M2QX"})
    last_name = fields.String(validate=[validate.Length(min=1, max=100), no_control_characters],
                              metadata={"example": "Lovelace"})
    seat = SeatLabel(metadata={"description": "move to this free seat of the same cabin", "example": "14C"})


class TicketAccessSchema(Schema):
    """Who asks for a ticket's check-in or boarding pass: its owner (``user_id``), or anyone
    with the booking reference and the passenger's last name."""

    ticket_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    user_id = _id(load_default=None, allow_none=True)
    booking_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16))
    last_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))

    @validates_schema
    def check_who(self, data, **kwargs):
        if data.get("user_id") is None and not (data.get("booking_ref") and data.get("last_name")):
            raise ValidationError("Sign in, or give the booking reference and the last name.", "booking_ref")


class CheckInRequestSchema(TicketAccessSchema):
    seat = SeatLabel(load_default=None, allow_none=True)


class BoardingScanSchema(Schema):
    bcbp = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "the IATA BCBP string read from the boarding pass"})


class BoardingPassProofSchema(Schema):
    """``GET /tickets/{number}/boarding-pass`` without a token: the proof that checks in, as
    request headers, so the passenger's name stays out of addresses, histories and access logs."""

    booking_ref = fields.String(data_key="X-Booking-Ref", validate=[validate.Length(min=1, max=16),
                                                                    no_control_characters],
                                metadata={"description": "the booking reference (without a bearer token)",
                                          "example": "K7M2QX"})
    last_name = fields.String(data_key="X-Last-Name", validate=[validate.Length(min=1, max=100),
                                                                no_control_characters],
                              metadata={"description": "the passenger's last name (without a bearer token), "
                                        "case and accents aside; percent-encoded UTF-8 when it is not plain "
                                        "ASCII (as encodeURIComponent writes it)", "example": "Lovelace"})


class BoardingPassQuerySchema(Schema):
    format = fields.String(validate=validate.OneOf(("json", "svg")),
                           metadata={"description": "json (default), or svg: the PDF417 barcode as an image"})


class PassFlightSchema(Schema):
    flight_id = fields.String()
    flight_number = fields.String(metadata={"example": "GA123"})
    origin = fields.String(metadata={"example": "CGK"})
    destination = fields.String(metadata={"example": "DPS"})
    departure_at = UtcDateTime(metadata={"description": "the departure track last announced"})


class BoardingPassSchema(Schema):
    """A checked-in passenger's boarding pass: ``bcbp`` is what its barcode encodes
    (IATA Resolution 792, format M)."""

    ticket_number = fields.String(metadata={"example": "9991234567890"})
    passenger_name = fields.String()
    booking_ref = fields.String(metadata={"example": "K7M2QX"})
    seat = fields.String(allow_none=True, metadata={"example": "14C"})
    cabin_class = fields.String(data_key="class", metadata={"example": "economy"})
    sequence = fields.Integer(metadata={"description": "check-in sequence number on the flight"})
    status = fields.String(validate=validate.OneOf(("checked_in", "boarded", "no_show")))
    checked_in_at = UtcDateTime()
    boarded_at = UtcDateTime(allow_none=True)
    bcbp = fields.String(metadata={"example": "M1LOVELACE/ADA        EK7M2QX CGKDPSGA 0123 063Y014C0001 11E>60B0WW"
                                              "6062BGA 0D9990000000012"})
    flight = fields.Nested(PassFlightSchema)


class BoardedSchema(Schema):
    """The passenger a gate scan boarded."""

    ticket_number = fields.String()
    flight_id = fields.String()
    passenger_name = fields.String()
    seat = fields.String(allow_none=True)
    sequence = fields.Integer()
    boarded_at = UtcDateTime()


CHECK_IN_STATES = ("not_checked_in", "checked_in", "boarded", "no_show")


class BoardingStatusSchema(Schema):
    """One ticket of a flight as the departure sees it (``ticket.boarding_status``), for
    the manifest: ``check_in`` is ``not_checked_in``, ``checked_in``, ``boarded`` or
    ``no_show``."""

    ticket_number = fields.String()
    order_id = fields.String()
    passenger_name = fields.String()
    seat = fields.String(allow_none=True)
    cabin_class = fields.String(data_key="class")
    ticket_status = fields.String()
    check_in = fields.String(validate=validate.OneOf(CHECK_IN_STATES))
    sequence = fields.Integer(allow_none=True)
    checked_in_at = UtcDateTime(allow_none=True)
    boarded_at = UtcDateTime(allow_none=True)
    no_show = fields.Boolean()


class BoardingListSchema(Schema):
    """``GET /flights/{flight_id}/boarding``: every ticket of the flight with its check-in
    state, in seat order (what the gate works from)."""

    flight_id = fields.String()
    count = fields.Integer()
    passengers = fields.List(fields.Nested(BoardingStatusSchema))
