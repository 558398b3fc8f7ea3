"""Placing an itinerary: 1 to 4 flights in time order, passengers with their document
names, birth dates and types. What order asks track (each flight's airports, times and
status, asked in parallel) and ticket (every seat on every flight, held in one
transaction: ``ticket.hold_itinerary``), and the order document it makes.

The rules are in ``order.domain`` (``check_connections``, ``check_party``,
``price_passengers``); a one-flight order in the shorthand (``{"flight_id",
"passengers": [{"name", "seat"}]}``) is placed by ``order.saga`` as before, and is an
itinerary of one segment to everything that acts on a whole order (``flight_ids``).
"""
from datetime import datetime

from common.errors import Conflict, InvalidInput
from order.domain import (
    INFANT,
    PENDING_PAYMENT,
    PassengerError,
    check_connections,
    check_party,
    flight_time,
    iso,
    price_passengers,
    to_millis,
    utcnow,
)

DEFAULT_CABIN_CLASS = "economy"
# what an order keeps of track's answer for each segment
FLIGHT_FIELDS = ("flight_number", "origin", "destination", "departure_at", "arrival_at")


def ask_track(services, flight_ids):
    """Track's answer for each flight, asked in parallel; ``NotFound`` for an unknown one."""
    pending = [services.track.get_flight.call_async(flight_id) for flight_id in flight_ids]
    return [call.result() for call in pending]


def ask_track_with_fares(services, request):
    """``(flights, quotes)``: each segment's flight and the fare it is sold at
    (``track.fare_quotes``, one call for every segment, asked alongside the flights).
    Track refuses a family it does not know (``UNKNOWN_FARE_FAMILY``, 400) or that the
    flight does not sell in the cabin (``FARE_NOT_OFFERED``, 409)."""
    quoting = services.track.fare_quotes.call_async(fares_asked(request))
    flights = ask_track(services, [segment["flight_id"] for segment in request["segments"]])
    return flights, quoting.result()


def fares_asked(request):
    return [{"flight_id": segment["flight_id"], "class": segment["cabin_class"] or DEFAULT_CABIN_CLASS,
             "family": segment["fare"]} for segment in request["segments"]]


def check_seat_choice(request, quotes):
    """Conflict ``SEAT_CHOICE_NOT_INCLUDED`` if a passenger names a seat on a segment whose
    fare does not include seat choice (light): the seat is assigned, or a family that includes
    it is chosen."""
    named = {f"passengers.{i}.seats.{position}": ["This fare does not include seat choice."]
             for position, quote in enumerate(quotes) if not quote["rules"]["free_seat_choice"]
             for i, p in enumerate(request["passengers"]) if position < len(p["seats"]) and p["seats"][position]}
    if named:
        raise Conflict("A seat was chosen on a fare that does not include seat choice: leave it out (a seat is "
                       "assigned) or choose a fare that includes it.", code="SEAT_CHOICE_NOT_INCLUDED",
                       details={"fields": named})


def order_fares(quotes):
    """What the order keeps of each quote: the fare and the rules it was sold under."""
    return [dict({key: quote[key] for key in ("flight_id", "family", "family_name", "amount", "currency", "rules")},
                 segment=position, **{"class": quote["class"]}) for position, quote in enumerate(quotes)]


def at_fares(held_segments, fares):
    """The hold's seats priced at the fare sold (a seat's own price is the cabin's standard fare)."""
    by_segment = {fare["segment"]: fare for fare in fares}
    return [dict(held, seats=[dict(seat, price=by_segment[position]["amount"])
                              if position in by_segment and seat["class"] == by_segment[position]["class"] else seat
                              for seat in held["seats"]])
            for position, held in enumerate(held_segments)]


def check_itinerary(request, flights, min_connection_minutes):
    """``InvalidInput`` naming the field if the flights do not connect or the party breaks a rule."""
    try:
        check_connections(flights, min_connection_minutes)
        check_party(request["passengers"], flight_time(flights[0]["departure_at"]).date(),
                    flight_time(flights[-1]["departure_at"]).date())
    except PassengerError as error:
        raise InvalidInput(error.message, details={"fields": {error.field: [error.message]}}) from None


def hold_segments(request):
    """``hold_itinerary``'s segments: per flight, the seats named by seated passengers
    and a count of seats to assign in the segment's class (infants take none)."""
    segments = []
    for position, segment in enumerate(request["segments"]):
        seated = [p for p in request["passengers"] if p["type"] != INFANT]
        named = [p["seats"][position] for p in seated if p["seats"][position]]
        segments.append({"flight_id": segment["flight_id"], "seats": named,
                         "cabin_class": segment["cabin_class"] or DEFAULT_CABIN_CLASS,
                         "count": len(seated) - len(named)})
    return segments


def itinerary_order(order_id, user_id, request, flights, hold, fares):
    """The order document of a placed itinerary (``hold`` is ``hold_itinerary``'s answer,
    ``fares`` the ``order_fares`` it is sold at)."""
    now = utcnow()
    passengers = price_passengers(request["passengers"], at_fares(hold["segments"], fares))
    segments = [
        dict({key: flight.get(key) for key in FLIGHT_FIELDS}, flight_id=segment["flight_id"],
             **{"class": segment["cabin_class"] or DEFAULT_CABIN_CLASS, "fare": segment["fare"]})
        for segment, flight in zip(request["segments"], flights)
    ]
    return {
        "_id": order_id,
        "user_id": user_id,
        "flight_id": segments[0]["flight_id"],
        "flight_ids": [segment["flight_id"] for segment in segments],
        "segments": segments,
        "status": PENDING_PAYMENT,
        "amount": sum(p["price"] for p in passengers),
        "currency": hold["currency"],
        "expires_at": to_millis(datetime.fromisoformat(hold["expires_at"])),
        "passengers": [stored_passenger(p) for p in passengers],
        "fares": fares,
        "tickets": [],
        "history": {PENDING_PAYMENT: iso(now)},
        "created_at": now,
    }


def stored_passenger(passenger):
    stored = {key: passenger[key] for key in ("given_name", "family_name", "name", "type", "segments", "price")}
    stored["birth_date"] = passenger["birth_date"].isoformat()
    if passenger.get("document"):
        stored["document"] = dict(passenger["document"], expires=passenger["document"]["expires"].isoformat())
    if "on_lap_of" in passenger:
        stored["on_lap_of"] = passenger["on_lap_of"]
    return stored
