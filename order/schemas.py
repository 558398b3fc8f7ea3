"""marshmallow schemas for the order service's inputs and answers."""
import re

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    pre_dump,
    validate,
    validates_schema,
)

from common.schemas import UtcDateTime, no_control_characters
from order.domain import (
    DISRUPTION_REASONS,
    MAX_SEGMENTS,
    MOVE_OPTION,
    NAME_MAX_LENGTH,
    PASSENGER_TYPES,
    REFUND_OPTION,
    STATES,
    disruptions_list,
    history_list,
    is_document_name,
    iso,
)
from order.fare_rules import cancel_reason, refund_terms

MAX_PASSENGERS = 9
SEAT_PATTERN = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")
ORDER_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


class PassengerSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), no_control_characters])
    seat = fields.String(load_default=None, allow_none=True, validate=no_control_characters,
                         metadata={"example": "12A"})

    @post_load
    def normalise(self, data, **kwargs):
        data["name"] = " ".join(data["name"].split())
        if not data["name"]:
            raise ValidationError("Must not be blank.", "name")
        if data.get("seat") is not None:
            seat = data["seat"].strip().upper()
            if not SEAT_PATTERN.match(seat):
                raise ValidationError("Not a seat (row number then letter, e.g. 12A).", "seat")
            data["seat"] = seat
        return data


class PlaceOrderSchema(Schema):
    flight_id = fields.String(required=True, validate=[validate.Length(min=1, max=64), no_control_characters])
    passengers = fields.List(
        fields.Nested(PassengerSchema), required=True,
        validate=validate.Length(min=1, max=MAX_PASSENGERS, error=f"Between 1 and {MAX_PASSENGERS} passengers."),
    )
    cabin_class = fields.String(
        data_key="class", load_default=None, validate=[validate.Length(min=1, max=32), no_control_characters],
        metadata={"description": "the cabin of every passenger; default economy for passengers without a "
                                 "named seat", "example": "economy"},
    )

    @validates_schema
    def seats_are_distinct(self, data, **kwargs):
        seats = [p["seat"] for p in data.get("passengers", []) if p.get("seat")]
        repeated = sorted({seat for seat in seats if seats.count(seat) > 1})
        if repeated:
            raise ValidationError(f"Seats named more than once: {', '.join(repeated)}.", "passengers")


# -- an itinerary (issue 14): 1-4 segments, passengers as on their documents --------------

# a family's code: track's catalogue decides whether it exists (UNKNOWN_FARE_FAMILY)
FARE_FAMILY_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{0,15}$", error="A fare family code, e.g. light, standard, flex.")
DOCUMENT_TYPES = ("passport", "id_card")


def document_name(value):
    if not is_document_name(value):
        raise ValidationError("Letters, spaces, hyphens and apostrophes only, starting with a letter, "
                              "as on the travel document.")


def _name_field(example):
    return fields.String(required=True, validate=[validate.Length(min=1, max=NAME_MAX_LENGTH), no_control_characters,
                                                  document_name],
                         metadata={"example": example, "description": f"as on the travel document: letters of "
                                   f"any script, spaces, hyphens, apostrophes; 1 to {NAME_MAX_LENGTH} characters"})


class SegmentRequestSchema(Schema):
    flight_id = fields.String(required=True, validate=[validate.Length(min=1, max=64), no_control_characters])
    cabin_class = fields.String(data_key="class", load_default=None,
                                validate=[validate.Length(min=1, max=32), no_control_characters],
                                metadata={"description": "every passenger's cabin on this flight; default economy",
                                          "example": "economy"})
    fare = fields.String(load_default="standard", validate=FARE_FAMILY_CODE,
                         metadata={"description": "the fare family (light, standard, flex…: GET /fare-families); "
                                   "default standard", "example": "standard"})


class TravelDocumentSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(DOCUMENT_TYPES), metadata={"example": "passport"})
    number = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9]{5,20}$", error="5 to 20 capital "
                                                                                                "letters or digits."))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166 alpha-2 code."),
                            metadata={"example": "ID"})
    expires = fields.Date(required=True, metadata={
        "example": "2031-01-01", "description": "not before the (UTC) day of the last departure"})


class TravellerSchema(Schema):
    given_name = _name_field("Ana")
    family_name = _name_field("Putri")
    birth_date = fields.Date(required=True, metadata={"example": "1990-04-01"})
    type = fields.String(required=True, validate=validate.OneOf(PASSENGER_TYPES), metadata={
        "description": "by age on the day of the first departure: adult 12+, child 2-11, infant under 2 "
                       "(on an adult's lap, no seat; at most one per adult)"})
    document = fields.Nested(TravelDocumentSchema, load_default=None)
    seats = fields.List(fields.String(allow_none=True, validate=no_control_characters), load_default=list,
                        validate=validate.Length(max=MAX_SEGMENTS),
                        metadata={"description": "one entry per segment: a seat, or null to be assigned one"})

    @post_load
    def normalise(self, data, **kwargs):
        for key in ("given_name", "family_name"):
            data[key] = " ".join(data[key].split())
            if not data[key]:
                raise ValidationError("Must not be blank.", key)
        data["name"] = f"{data['given_name']} {data['family_name']}"
        seats = []
        for seat in data["seats"]:
            if seat is not None:
                seat = seat.strip().upper()
                if not SEAT_PATTERN.match(seat):
                    raise ValidationError("Not a seat (row number then letter, e.g. 12A).", "seats")
            seats.append(seat)
        data["seats"] = seats
        return data


class ItineraryOrderSchema(Schema):
    """``POST /orders`` with ``segments``: 1 to 4 flights in time order, each leaving from
    where the previous one arrived (a return or open jaw is fine)."""

    segments = fields.List(fields.Nested(SegmentRequestSchema), required=True, validate=validate.Length(
        min=1, max=MAX_SEGMENTS, error=f"Between 1 and {MAX_SEGMENTS} segments."))
    passengers = fields.List(fields.Nested(TravellerSchema), required=True, validate=validate.Length(
        min=1, max=MAX_PASSENGERS, error=f"Between 1 and {MAX_PASSENGERS} passengers."))

    @validates_schema
    def check_itinerary(self, data, **kwargs):
        segments, passengers = data.get("segments", []), data.get("passengers", [])
        flights = [segment["flight_id"] for segment in segments]
        if len(set(flights)) < len(flights):
            raise ValidationError("A flight appears twice in the itinerary.", "segments")
        for i, passenger in enumerate(passengers):
            if len(passenger["seats"]) > len(segments):
                raise ValidationError(f"Passenger {i}: more seats than segments.", "passengers")
            passenger["seats"] += [None] * (len(segments) - len(passenger["seats"]))
        for position in range(len(segments)):
            seats = [p["seats"][position] for p in passengers if p["seats"][position]]
            repeated = sorted({seat for seat in seats if seats.count(seat) > 1})
            if repeated:
                raise ValidationError(f"Seats named more than once on segment {position}: {', '.join(repeated)}.",
                                      "passengers")


class BodyPassengerSchema(Schema):
    """A passenger of either form of ``POST /orders`` (for the document)."""

    name = fields.String(metadata={"description": "the one-flight form: the passenger's name",
                                   "example": "Ada Lovelace"})
    seat = fields.String(allow_none=True, metadata={"description": "the one-flight form", "example": "12A"})
    given_name = TravellerSchema._declared_fields["given_name"]
    family_name = TravellerSchema._declared_fields["family_name"]
    birth_date = TravellerSchema._declared_fields["birth_date"]
    type = TravellerSchema._declared_fields["type"]
    document = TravellerSchema._declared_fields["document"]
    seats = TravellerSchema._declared_fields["seats"]


class PlaceOrderBodySchema(Schema):
    """``POST /orders``, in one of two forms. One flight: ``flight_id``, optional ``class``,
    ``passengers`` of ``{name, seat}``. An itinerary: ``segments`` (1 to 4 flights in time
    order, connections at least MIN_CONNECTION_MINUTES apart) and ``passengers`` of
    ``{given_name, family_name, birth_date, type, document, seats}``; at least one adult.
    A child pays 75% of its seat's fare, an infant 10% of its adult's."""

    flight_id = fields.String(metadata={"description": "the one-flight form"})
    cabin_class = fields.String(data_key="class", metadata={"description": "the one-flight form"})
    segments = fields.List(fields.Nested(SegmentRequestSchema), metadata={"description": "the itinerary form"})
    passengers = fields.List(fields.Nested(BodyPassengerSchema), required=True)


class ListOrdersQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Regexp(ORDER_ID_PATTERN, error="Not a valid cursor."))


class PassengerSegmentSchema(Schema):
    flight_id = fields.String()
    seat = fields.String(allow_none=True, metadata={"description": "none for an infant (on its adult's lap)"})
    cabin_class = fields.String(attribute="class", data_key="class")
    price = fields.Integer(metadata={"description": "minor units; a child's or an infant's share of the fare"})


class OrderDocumentSchema(Schema):
    type = fields.String()
    number = fields.String()
    country = fields.String()
    expires = fields.String()


class OrderPassengerSchema(Schema):
    """A passenger. A one-flight order's: ``name``, ``seat``, ``class``, ``price``; an
    itinerary's: the document's names, birth date, type, per segment its seat, class and
    price, ``price`` its total, and an infant's ``on_lap_of`` (its adult's place in the list)."""

    name = fields.String()
    seat = fields.String()
    cabin_class = fields.String(attribute="class", data_key="class")
    price = fields.Integer()
    given_name = fields.String()
    family_name = fields.String()
    birth_date = fields.String(metadata={"format": "date"})
    type = fields.String(validate=validate.OneOf(PASSENGER_TYPES))
    document = fields.Nested(OrderDocumentSchema)
    segments = fields.List(fields.Nested(PassengerSegmentSchema))
    on_lap_of = fields.Integer()


class OrderSegmentSchema(Schema):
    flight_id = fields.String()
    flight_number = fields.String(allow_none=True)
    origin = fields.String(allow_none=True, metadata={"example": "CGK"})
    destination = fields.String(allow_none=True, metadata={"example": "DPS"})
    departure_at = fields.String(allow_none=True)
    arrival_at = fields.String(allow_none=True)
    cabin_class = fields.String(attribute="class", data_key="class")
    fare = fields.String(metadata={"example": "standard"})


class TicketSchema(Schema):
    number = fields.String(metadata={"example": "9991234567890"})
    order_id = fields.String()
    flight_id = fields.String()
    passenger_name = fields.String()
    passenger_type = fields.String(validate=validate.OneOf(PASSENGER_TYPES))
    passenger_index = fields.Integer(allow_none=True)
    seat = fields.String(allow_none=True)
    cabin_class = fields.String(attribute="class", data_key="class")
    fare = fields.Integer()
    currency = fields.String()
    status = fields.String(metadata={"example": "issued"})
    issued_at = fields.String()


class HistoryEntrySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATES))
    at = fields.String()


class OrderRefundSchema(Schema):
    """The refund of the order's payment, as payment announced it (``payment_refunded``);
    the same shape as the ``refund`` of a payment (``payment.schemas.RefundSchema``)."""

    refund_id = fields.String(metadata={"example": "re_65f1c0ffee0123456789abcd"})
    amount = fields.Integer(metadata={"description": "what the order's own payment gave back, minor units of "
                                                     "currency"})
    # a refund recorded before totals were noted: its own part
    total = fields.Function(lambda refund: refund.get("total", refund.get("amount")), metadata={
        "type": "integer", "description": "what the refund this one is part of gives back in all (an order's "
                                          "cancellation across its payments, its changes' too), minor units"})
    reason = fields.String(metadata={"example": "order_cancelled"})
    at = fields.String()


class DisruptionOptionSchema(Schema):
    type = fields.String(validate=validate.OneOf((REFUND_OPTION, MOVE_OPTION)), metadata={
        "description": "refund: cancel the booking (POST /orders/{id}/cancel) for a full refund whatever the "
                       "fare; move: to another flight on the same route departing by until, free of charge"})
    until = fields.String(metadata={"example": "2026-12-04T01:00:00+00:00",
                                    "description": "move only: the latest departure of the flight to move to"})


class DisruptionSchema(Schema):
    """An involuntary change that reached the booking (docs/booking.md, involuntary changes)."""

    reason = fields.String(validate=validate.OneOf(DISRUPTION_REASONS), metadata={
        "description": "delay (at least DISRUPTION_DELAY_MINUTES late), connection_broken (a retime leaves "
                       "less than the minimum connection time, or breaks the flights' order), cancelled (the "
                       "flight: refunded at once), aircraft_change (the new airplane has no seat for the booking)"})
    since = fields.String(metadata={"example": "2026-12-01T00:10:00+00:00"})
    flight_id = fields.String()
    segment = fields.Integer(metadata={"description": "the flight's index in the itinerary"})
    options = fields.List(fields.Nested(DisruptionOptionSchema))


class FareRulesSchema(Schema):
    refundable = fields.Boolean()
    refund_fee_percent = fields.Integer(metadata={"description": "share of the fare kept on a refund"})
    changeable = fields.Boolean()
    change_fee_percent = fields.Integer()
    free_seat_choice = fields.Boolean()
    checked_bag_kg = fields.Integer()


class OrderFareSchema(Schema):
    """A fare the order was sold at (track's quote when it was placed): the rules it keeps."""

    segment = fields.Integer(metadata={"description": "the segment's place in the order (0 for a one-flight order)"})
    flight_id = fields.String()
    cabin_class = fields.String(attribute="class", data_key="class", metadata={"example": "economy"})
    family = fields.String(metadata={"example": "standard"})
    family_name = fields.String(metadata={"example": "Standard"})
    amount = fields.Integer(metadata={"description": "one adult seat's fare, minor units"})
    currency = fields.String(metadata={"example": "IDR"})
    rules = fields.Nested(FareRulesSchema)


class RefundTermsSchema(Schema):
    amount = fields.Integer(metadata={"description": "refunded, minor units"})
    kept = fields.Integer(metadata={"description": "kept by the fare rules, minor units"})
    reason = fields.String(metadata={"example": "order_cancelled"})


# made once (a schema deep-copies its fields when made): every order answer dumps with them
TICKETS_VIEW = TicketSchema(many=True)
DISRUPTIONS_VIEW = DisruptionSchema(many=True)


class OrderSchema(Schema):
    """An order document as the API shows it."""

    id = fields.String(attribute="_id")
    booking_ref = fields.String(metadata={"example": "K7M2QX"})
    user_id = fields.String()
    flight_id = fields.String(metadata={"description": "the (first) flight"})
    segments = fields.List(fields.Nested(OrderSegmentSchema), metadata={"description": "an itinerary's flights"})
    status = fields.String(validate=validate.OneOf(STATES))
    amount = fields.Integer(metadata={"description": "minor units of currency: the money the order holds (its "
                                                     "price when paid, plus what its changes charged)"})
    change_kept = fields.Integer(metadata={
        "description": "what its voluntary changes kept (change fees): not refunded by a later cancellation "
                       "(absent if it was never changed)"})
    currency = fields.String(metadata={"example": "IDR"})
    expires_at = fields.DateTime()
    passengers = fields.List(fields.Nested(OrderPassengerSchema))
    tickets = fields.Method("dump_tickets", metadata={"type": "array", "items": {"type": "object"}})
    payment_id = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    refund = fields.Nested(OrderRefundSchema, allow_none=True)
    cancellation_requested_at = fields.String(allow_none=True)
    fares = fields.List(fields.Nested(OrderFareSchema), metadata={
        "description": "the fares and rules the order was sold under (none for orders sold before fare families); "
        "a segment changed voluntarily holds the new flight's, as quoted for the change"})
    refund_due = fields.Nested(RefundTermsSchema, allow_none=True, metadata={
        "description": "set when a paid order is cancelled: what the fare rules refund and keep"})
    refund_if_cancelled = fields.Method("dump_refund_if_cancelled", metadata={
        "type": "object", "description": "what cancelling now, before departure, would refund and keep "
        "({amount, kept, reason}; a disrupted booking gets it all back)"})
    history = fields.Method("dump_history", metadata={"type": "array", "items": {"type": "object"}})
    changes = fields.Method("dump_changes", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "voluntary changes made, oldest first (absent if none)"})
    created_at = fields.DateTime()
    disruption = fields.Nested(DisruptionSchema, allow_none=True, metadata={
        "description": "the latest involuntary change of the booking, absent if none"})
    disruptions = fields.Method("dump_disruptions", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "every involuntary change of the booking, oldest first; absent if none"})

    def dump_disruptions(self, order):
        if not order.get("disruptions"):
            return missing  # absent, as ``disruption`` is, for a booking never disrupted
        return DISRUPTIONS_VIEW.dump(disruptions_list(order["disruptions"]))

    def dump_changes(self, order):
        if not order.get("changes"):
            return missing  # an order never changed answers as it always has
        return sorted(order["changes"].values(), key=lambda change: change["at"])

    def dump_refund_if_cancelled(self, order):
        return refund_terms(order, cancel_reason(order))

    def dump_tickets(self, order):
        tickets = order.get("tickets") or []
        if order.get("status") == "REFUNDED":
            # a refund only ever follows the cancellation of all the order's tickets
            tickets = [dict(ticket, status="cancelled") for ticket in tickets]
        return TICKETS_VIEW.dump(tickets)

    def dump_history(self, order):
        return history_list(order.get("history"))


class BookingSchema(OrderSchema):
    """A booking as its passengers see it without logging in (``GET /bookings/{booking_ref}``)."""

    class Meta:
        exclude = ("user_id", "payment_id")


class BookingLookupQuerySchema(Schema):
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX_LENGTH),
                              metadata={"description": "any passenger's family name (case and accents aside)",
                                        "example": "Putri"})


class BookingCancelSchema(BookingLookupQuerySchema):
    """The proof that opens a booking without logging in: a passenger's family name."""


def exactly_one_of(data, keys):
    given = [key for key in keys if data.get(key)]
    if len(given) != 1:
        message = f"Give exactly one of {', '.join(keys)}."
        raise ValidationError(message, keys[0])
    return given[0]


class _OrderSearch(Schema):
    booking_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=16),
                                metadata={"example": "K7M2QX"})
    flight_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Regexp(ORDER_ID_PATTERN, error="Not a valid cursor."))


class StaffOrdersQuerySchema(_OrderSearch):
    """``GET /admin/orders``: exactly one of ``booking_ref``, ``email`` (the customer's)
    or ``flight_id`` (orders with a segment on it)."""

    email = fields.String(load_default=None, validate=validate.Length(min=3, max=254))

    @validates_schema
    def one_criterion(self, data, **kwargs):
        exactly_one_of(data, ("booking_ref", "email", "flight_id"))


class OrderSearchSchema(_OrderSearch):
    """``order.search_orders``: the staff query with the customer's id for the email."""

    user_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @validates_schema
    def one_criterion(self, data, **kwargs):
        exactly_one_of(data, ("booking_ref", "user_id", "flight_id"))


class ManifestPassengerSchema(Schema):
    booking_ref = fields.String()
    order_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATES), metadata={"description": "PAID: tickets being issued"})
    name = fields.String()
    type = fields.String(validate=validate.OneOf(PASSENGER_TYPES))
    seat = fields.String(allow_none=True, metadata={"description": "none for an infant (on an adult's lap)"})
    cabin_class = fields.String(attribute="class", data_key="class")
    ticket_number = fields.String(allow_none=True)


class ManifestSchema(Schema):
    """``GET /flights/{flight_id}/manifest``: every passenger of a paid or ticketed booking on the flight."""

    flight_id = fields.String()
    count = fields.Integer()
    passengers = fields.List(fields.Nested(ManifestPassengerSchema))


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    next_cursor = fields.String(allow_none=True)


# -- the audit (``order.audit_orders``, read by ``make audit``) ------------------------------

MAX_AUDIT_PAGE = 1000


class AuditQuerySchema(Schema):
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(ORDER_ID_PATTERN, error="Not a valid cursor."))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_AUDIT_PAGE))


class AuditRefundSchema(Schema):
    refund_id = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)


class AuditOrderSchema(Schema):
    """An order as the audit reconciles it with payment's and ticket's records."""

    id = fields.String()
    status = fields.String(validate=validate.OneOf(STATES))
    flight_id = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    payment_id = fields.String(allow_none=True)
    refund = fields.Nested(AuditRefundSchema, allow_none=True)
    refund_due = fields.Nested(RefundTermsSchema, allow_none=True)
    tickets = fields.List(fields.String())
    expires_at = UtcDateTime()
    updated_at = fields.String()
    seats_lost = fields.Boolean(metadata={
        "description": "an aircraft swap displaced the booking: its money is owed (refund or move)"})
    change_payments = fields.List(fields.String(), metadata={
        "description": "the payments of its confirmed changes (money it holds besides payment_id's)"})
    change_kept = fields.Integer(metadata={
        "description": "what its voluntary changes kept: fees, and a residual a non-refundable fare keeps"})

    @pre_dump
    def from_document(self, order, **kwargs):
        history = list((order.get("history") or {}).values())
        # orders written before updated_at existed: their latest state change
        updated_at = order.get("updated_at") or max(history, default=None) or iso(order["created_at"])
        return {
            "id": order["_id"], "status": order["status"], "flight_id": order["flight_id"],
            "amount": order["amount"], "currency": order["currency"], "payment_id": order.get("payment_id"),
            "refund": order.get("refund"), "refund_due": order.get("refund_due"),
            "tickets": [ticket["number"] for ticket in order.get("tickets") or []],
            "expires_at": order["expires_at"], "updated_at": updated_at,
            "seats_lost": bool(order.get("seats_lost")),
            "change_payments": list(order.get("change_payments") or []),
            "change_kept": int(order.get("change_kept") or 0),
        }


class AuditOrderPageSchema(Schema):
    items = fields.List(fields.Nested(AuditOrderSchema))
    next = fields.String(allow_none=True)


# -- voluntary changes (issue 15): a quote, then its confirmation ---------------------------

class SeatLabelField(fields.String):
    """A seat label (``12A``), upper-cased; or null (one is assigned)."""

    def _deserialize(self, value, attr, data, **kwargs):
        seat = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not SEAT_PATTERN.match(seat):
            raise ValidationError("Not a seat (row number then letter, e.g. 12A).")
        return seat


class ChangeRequestSchema(Schema):
    """``POST /orders/{id}/changes``: move segment ``segment`` to ``flight_id``."""

    segment = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_SEGMENTS - 1),
                             metadata={"description": "the segment to change (0: the first flight)"})
    flight_id = fields.String(required=True, validate=[validate.Length(min=1, max=64), no_control_characters])
    seats = fields.List(SeatLabelField(allow_none=True, validate=validate.Length(max=8)), load_default=None,
                        allow_none=True, validate=validate.Length(max=MAX_PASSENGERS), metadata={
                            "description": "one per passenger with a seat, in the order's order; null (or no "
                                           "list): a seat is assigned", "example": ["6C"]})

    @validates_schema
    def seats_are_distinct(self, data, **kwargs):
        seats = [seat for seat in data.get("seats") or [] if seat]
        repeated = sorted({seat for seat in seats if seats.count(seat) > 1})
        if repeated:
            raise ValidationError(f"Seats named more than once: {', '.join(repeated)}.", "seats")


class ConfirmChangeBodySchema(Schema):
    """``POST /orders/{id}/changes/{change_id}/confirm``: a card when money is due (payment
    validates it as it does for ``POST /orders/{id}/pay``: 400 with its field errors)."""

    card = fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "as for POST /orders/{id}/pay; required when the change's amount_due is above zero"})


class ChangeSchema(Schema):
    """A change's quote, and once confirmed what it did."""

    id = fields.String(attribute="_id")
    order_id = fields.String()
    status = fields.String(validate=validate.OneOf(("QUOTED", "CONFIRMING", "CONFIRMED", "FAILED", "EXPIRED")),
                           metadata={"description": "QUOTED until confirmed or expired; CONFIRMING while the "
                                                    "tickets are exchanged"})
    segment = fields.Integer()
    old_flight_id = fields.String()
    flight_id = fields.String(metadata={"description": "the new flight"})
    cabin_class = fields.String(data_key="class", attribute="class")
    family = fields.String(metadata={"example": "standard"})
    currency = fields.String(metadata={"example": "IDR"})
    fee = fields.Integer(metadata={"description": "the change fee of the fare the segment was sold under "
                                                  "(minor units)"})
    fare_difference = fields.Integer(metadata={"description": "the party's price at the same fare family on the new "
                                                              "flight minus what it paid"})
    amount_due = fields.Integer(metadata={"description": "charged: fee + fare_difference when above zero on a "
                                                         "refundable fare; fee + max(0, fare_difference) otherwise"})
    refund_due = fields.Integer(metadata={"description": "given back: -(fee + fare_difference) when below zero on a "
                                                         "refundable fare (a cheaper flight's residual less the "
                                                         "fee); never both above zero"})
    disruption_move = fields.Boolean(metadata={"description": "free: a disruption's move option"})
    seats = fields.Method("dump_seats", metadata={"type": "array", "items": {"type": "string", "nullable": True}})
    expires_at = fields.String(metadata={"description": "the quote can be confirmed until then"})
    created_at = fields.String()
    confirmed_at = fields.String(allow_none=True)
    tickets = fields.List(fields.String(), metadata={"description": "the new ticket numbers, once confirmed"})
    exchanged = fields.List(fields.String(), metadata={"description": "the ticket numbers exchanged"})
    payment_id = fields.String(allow_none=True, metadata={
        "description": "the payment of amount_due (its own, not the order's), once captured"})

    def dump_seats(self, change):
        return [move["new_seat"] for move in change.get("moves") or []]
