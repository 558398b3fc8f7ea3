"""Online check-in, boarding passes, the gate scan, no-shows, and telling each booking
that check-in for its flight is open (``check_in_opened``).

Check-in asks other services first, outside any transaction: order for the booking
reference (and, without a token, whether the reference and last name name this
ticket's booking), track for the flight number and route and the origin's time zone
(the boarding pass carries the local date of departure). Then one transaction decides:
the window, the ticket still valid, an optional move to a free seat of the same cabin,
the flight's next sequence number, and the boarding pass, stored as issued so a
repeated check-in answers the same one.
"""
from zoneinfo import ZoneInfo

from common.errors import Conflict, InvalidInput, NotFound
from common.names import has_last_name
from ticket import bcbp, domain, store
from ticket import check_in_store as checkins
from ticket.domain import Announcement
from ticket.schemas import BoardedSchema, BoardingPassSchema, BoardingStatusSchema

NOT_YOURS = "No such ticket."


def check_in(db, services, settings, request, dispatch):
    """``request`` is a loaded ``CheckInRequestSchema``; answers ``BoardingPassSchema``.
    A seat move is announced (``seats_reassigned``, through the outbox) with ``dispatch``."""
    number = request["ticket_number"]
    with db.get_session() as session:
        ticket = store.ticket(session, number)
        booking_ref = _identify(services, ticket, request)
        done = checkins.check_in(session, number)
        if done is not None and done.state != domain.NO_SHOW:
            return _repeat(session, ticket, done, request["seat"])
        _refuse_outside_window(store.lock_flight(session, ticket.flight_id), ticket.status, settings)

    booking_ref = booking_ref or services.order.get_order(ticket.order_id)["booking_ref"]
    flight = services.track.get_flight(ticket.flight_id)
    time_zone = _time_zone(services, flight["origin"])

    with db.get_session() as session:
        window = store.lock_flight(session, ticket.flight_id)
        store.lock_order(session, ticket.order_id)
        ticket = checkins.lock_ticket(session, number)
        done = checkins.check_in(session, number, lock=True)
        if done is not None and done.state != domain.NO_SHOW:
            return _repeat(session, ticket, done, request["seat"])
        _refuse_outside_window(window, ticket.status, settings)
        announced = []
        if request["seat"] and request["seat"] != ticket.seat:
            announced.append(_move(session, ticket, request["seat"]))
        sequence = checkins.next_sequence(session, ticket.flight_id)
        boarding_pass = bcbp.encode(
            passenger_name=ticket.passenger_name, pnr=booking_ref, origin=flight["origin"],
            destination=flight["destination"], flight_number=flight["flight_number"],
            local_departure_date=window.departure_at.astimezone(time_zone).date(), cabin_class=ticket.cabin_class,
            seat=ticket.seat, sequence=sequence, ticket_number=ticket.number, issued_on=window.now.date(),
        )
        done = checkins.insert_check_in(
            session, ticket_number=number, flight_id=ticket.flight_id, sequence=sequence, booking_ref=booking_ref,
            bcbp=boarding_pass, flight_number=flight["flight_number"], origin=flight["origin"],
            destination=flight["destination"],
        )
        answer = pass_answer(ticket, done, window.departure_at)
    if announced:
        with db.get_session() as session:
            store.OUTBOX.publish(session, dispatch, announced)
    return answer


def _identify(services, ticket, request):
    """The owner (a token), or the booking reference and last name of this ticket's
    passenger (order verifies the reference); anyone else is told there is no such
    ticket. Returns the booking reference when it was given."""
    if ticket is None:
        raise NotFound(NOT_YOURS, details={"ticket_number": request["ticket_number"]})
    if request["user_id"] is not None:
        if ticket.user_id != str(request["user_id"]):
            raise NotFound(NOT_YOURS, details={"ticket_number": ticket.number})
        return None
    try:
        booking = services.order.verify_booking(request["booking_ref"], request["last_name"])
    except NotFound:
        booking = None
    if booking is None or booking["order_id"] != ticket.order_id \
            or not has_last_name(ticket.passenger_name, request["last_name"]):
        raise NotFound(NOT_YOURS, details={"ticket_number": ticket.number})
    return booking["booking_ref"]


def _refuse_outside_window(flight, ticket_status, settings):
    if flight is None:
        raise Conflict("Check-in for this flight has closed.", code="CHECK_IN_CLOSED")
    refusal = domain.check_in_refusal(flight, ticket_status, settings.check_in_opens_hours,
                                      settings.check_in_closes_minutes)
    if refusal:
        code, message = refusal
        details = {"ticket_status": ticket_status}
        if flight.departure_at is not None:
            opens, closes = domain.check_in_window(flight.departure_at, settings.check_in_opens_hours,
                                                   settings.check_in_closes_minutes)
            details.update(opens_at=opens.isoformat(), closes_at=closes.isoformat())
        raise Conflict(message, code=code, details=details)


def _repeat(session, ticket, done, seat):
    """A second check-in answers the pass already issued; a seat change is no longer possible."""
    if seat and seat != ticket.seat:
        raise Conflict("Already checked in: the seat can no longer be changed.", code="ALREADY_CHECKED_IN",
                       details={"seat": ticket.seat})
    flight = store.scheduled_flight(session, ticket.flight_id)
    return pass_answer(ticket, done, flight.departure_at)


def _move(session, ticket, seat):
    """Move the ticket to ``seat``; returns the outbox id of ``seats_reassigned``: order keeps
    a copy of the booking's seats (its answers, and the seats a later change exchanges)."""
    if ticket.seat is None:
        raise InvalidInput("An infant on a lap has no seat to move.",
                           details={"fields": {"seat": ["An infant's ticket has no seat."]}})
    cabin = checkins.seat_class(session, ticket.flight_id, seat)
    if cabin is None:
        raise InvalidInput(f"No such seat on this flight: {seat}.", details={"fields": {"seat": ["Unknown seat."]}})
    if cabin != ticket.cabin_class:
        raise InvalidInput(f"{seat} is not a {ticket.cabin_class} seat.",
                           details={"fields": {"seat": [f"Not a {ticket.cabin_class} seat."]}})
    was = ticket.seat
    moved = checkins.move_seat(session, ticket.flight_id, ticket.order_id, was, seat, ticket.cabin_class)
    if sorted(moved) != sorted((was, seat)):
        raise Conflict(f"Seat {seat} is taken.", code="SEAT_UNAVAILABLE", details={"seats": [seat]})
    checkins.set_ticket_seat(session, ticket.number, seat)
    ticket.seat = seat
    return store.OUTBOX.add(session, "seats_reassigned", {
        "order_id": ticket.order_id, "flight_id": ticket.flight_id, "seats": [{"from": was, "to": seat}]})


def _time_zone(services, code):
    for airport in services.track.list_airports(code, 5):
        if airport["code"] == code:
            return ZoneInfo(airport["tz"])
    raise NotFound("The flight's origin airport is unknown.", details={"origin": code})


def pass_answer(ticket, done, departure_at):
    return BoardingPassSchema().dump({
        "ticket_number": ticket.number, "passenger_name": ticket.passenger_name, "booking_ref": done.booking_ref,
        "seat": ticket.seat, "cabin_class": ticket.cabin_class, "sequence": done.sequence, "status": done.state,
        "checked_in_at": done.checked_in_at, "boarded_at": done.boarded_at, "bcbp": done.bcbp,
        "flight": {"flight_id": ticket.flight_id, "flight_number": done.flight_number, "origin": done.origin,
                   "destination": done.destination, "departure_at": departure_at},
    })


# -- the boarding pass, the gate, the departure ------------------------------------------------

def boarding_pass(db, services, request):
    """``request`` is a loaded ``TicketAccessSchema``: the owner, or the booking reference and
    the passenger's last name, as at check-in; answers ``BoardingPassSchema``."""
    number = request["ticket_number"]
    with db.get_session() as session:
        ticket = store.ticket(session, number)
        _identify(services, ticket, request)
        done = checkins.check_in(session, number)
        if done is None or done.bcbp is None:
            raise Conflict("This passenger has not checked in.", code="NOT_CHECKED_IN",
                           details={"ticket_number": number})
        return pass_answer(ticket, done, store.scheduled_flight(session, ticket.flight_id).departure_at)


def board(session, flight_id, scanned):
    """The gate scan: the passenger the pass names boards ``flight_id``, once."""
    try:
        leg = bcbp.parse(scanned)
    except bcbp.InvalidPass as exc:
        raise InvalidInput(str(exc), code="INVALID_BOARDING_PASS", details={"fields": {"bcbp": [str(exc)]}})
    flight = store.lock_flight(session, flight_id)
    if flight is None:
        raise NotFound("No such flight.", details={"flight_id": flight_id})
    ticket = store.ticket(session, leg.ticket_number) if leg.ticket_number else None
    done = checkins.check_in(session, ticket.number, lock=True) if ticket is not None else None
    refusal = domain.boarding_refusal(flight_id, ticket, done, leg, flight)
    if refusal:
        code, message = refusal
        raise Conflict(message, code=code, details={"flight_id": flight_id, "ticket_number": leg.ticket_number})
    boarded = checkins.board(session, ticket.number)
    return BoardedSchema().dump({
        "ticket_number": ticket.number, "flight_id": flight_id, "passenger_name": ticket.passenger_name,
        "seat": ticket.seat, "sequence": boarded.sequence, "boarded_at": boarded.boarded_at,
    })


def follow_departure(session, event):
    """After ``follow_flight_status`` closed a departed flight: who did not board is a no-show."""
    if event["new"] in ("departed", "arrived"):
        checkins.mark_no_shows(session, event["flight_id"])


def boarding_status(session, flight_id):
    rows = checkins.boarding_status(session, flight_id)
    return BoardingStatusSchema(many=True).dump([{
        "ticket_number": ticket.number, "order_id": ticket.order_id, "passenger_name": ticket.passenger_name,
        "seat": ticket.seat, "cabin_class": ticket.cabin_class, "ticket_status": ticket.status,
        "check_in": done.state if done is not None else "not_checked_in",
        "sequence": done.sequence if done is not None else None,
        "checked_in_at": done.checked_in_at if done is not None else None,
        "boarded_at": done.boarded_at if done is not None else None,
        "no_show": done is not None and done.state == domain.NO_SHOW,
    } for ticket, done in rows])


# -- check-in is open ----------------------------------------------------------------------------

def announce_open_check_ins(session, settings):
    """``check_in_opened`` for every ticketed booking whose flight's check-in window has
    opened and that was never told (claimed for this sweep alone), and for those a sweep
    claimed but never published (``TICKET_EVENT_RELAY_SECONDS`` ago). Publish them after
    the commit, then ``check_ins_announced``: at least once; notify sends one email."""
    opens, closes = settings.check_in_opens_hours, settings.check_in_closes_minutes
    claimed = checkins.claim_opened_check_ins(session, opens, closes)
    claimed += checkins.reclaim_unpublished_check_ins(session, opens, closes, settings.ticket_event_relay_seconds)
    if not claimed:
        return []
    bookings, numbers = checkins.announced_bookings(session, claimed)
    return [Announcement(booking.order_id, domain.CHECK_IN_OPENED, check_in_opened_payload(
        booking, numbers.get((booking.order_id, booking.flight_id), []), opens, closes)) for booking in bookings]


def check_in_opened_payload(booking, ticket_numbers, opens_hours, closes_minutes):
    opens_at, closes_at = domain.check_in_window(booking.departure_at, opens_hours, closes_minutes)
    return {"order_id": booking.order_id, "flight_id": booking.flight_id, "user_id": booking.user_id,
            "ticket_numbers": ticket_numbers, "departure_at": booking.departure_at.isoformat(),
            "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()}


def check_ins_announced(session, announcements):
    checkins.mark_check_ins_announced(session, [(a.order_id, a.payload["flight_id"]) for a in announcements])
