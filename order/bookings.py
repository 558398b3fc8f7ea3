"""Finding bookings: by booking reference and a passenger's last name (manage my booking,
no login), and for staff (by reference, customer or flight; a flight's manifest).

A reference that does not exist and a last name that does not match answer the same
``NotFound``: the answer never tells whether a reference is taken. Throttling wrong
guesses is the gateway's (per client address, ``BOOKING_LOOKUP_*``)."""
import re

from common.errors import NotFound, load_or_raise
from order.domain import INFANT, PAID, TICKETED, last_name_matches
from order.schemas import BookingSchema, ManifestSchema, OrderPageSchema, OrderSearchSchema

BOOKING_REF = re.compile(r"^[A-Z0-9]{6}$")
MANIFEST_STATUSES = (PAID, TICKETED)


def normalised_ref(booking_ref):
    ref = str(booking_ref or "").strip().upper()
    return ref if BOOKING_REF.match(ref) else None


class Bookings:
    def __init__(self, orders):
        self.orders = orders
        self.store = orders.store

    def find(self, booking_ref, last_name):
        """The order with this reference, if ``last_name`` is a passenger's family name
        (case and accents aside); ``NotFound`` otherwise, the same for an unknown reference."""
        ref = normalised_ref(booking_ref)
        order = self.store.find_by_booking_ref(ref) if ref else None
        if order is None or not last_name_matches(order, str(last_name or "")[:200]):
            raise NotFound("No booking with this reference and last name.", code="BOOKING_NOT_FOUND")
        return order

    def cancel(self, booking_ref, last_name):
        """``Orders.cancel`` of the booking found as ``find`` finds it, on its owner's behalf."""
        order = self.find(booking_ref, last_name)
        return self.orders.cancel(order["_id"], order["user_id"])

    def search(self, booking_ref=None, user_id=None, flight_id=None, limit=20, cursor=None):
        """Orders for staff, newest first, by exactly one of reference, customer or flight."""
        query = load_or_raise(OrderSearchSchema(), {
            "booking_ref": booking_ref, "user_id": user_id, "flight_id": flight_id, "limit": limit, "cursor": cursor,
        })
        given = [key for key in ("booking_ref", "user_id", "flight_id") if query.get(key)]
        if given == ["booking_ref"]:
            found = self.store.find_by_booking_ref(normalised_ref(query["booking_ref"]) or "")
            orders, next_cursor = ([found] if found else []), None
        else:
            orders, next_cursor = self.store.search(given[0], query[given[0]], query["limit"], query["cursor"])
        return OrderPageSchema().dump({"items": orders, "next_cursor": next_cursor})

    def manifest(self, flight_id):
        """Every passenger booked on the flight (orders paid or ticketed), in seat order
        (infants after their adult): type, seat, class, ticket number (none while issuing)."""
        entries = []
        for order in self.store.on_flight(str(flight_id)):
            if order["status"] in MANIFEST_STATUSES:
                entries.extend(manifest_entries(order, str(flight_id)))
        entries.sort(key=lambda e: (e["seat"] is None, seat_key(e["seat"] or e["lap_seat"] or ""), e["name"]))
        for entry in entries:
            entry.pop("lap_seat")
        return ManifestSchema().dump({"flight_id": str(flight_id), "count": len(entries), "passengers": entries})


def seat_key(seat):
    match = re.match(r"^(\d+)([A-Z]+)$", seat)
    return (int(match.group(1)), match.group(2)) if match else (10**6, seat)


def manifest_entries(order, flight_id):
    tickets = [t for t in order.get("tickets") or [] if t.get("flight_id") == flight_id]
    base = {"booking_ref": order["booking_ref"], "order_id": order["_id"], "status": order["status"]}
    if "segments" not in order:  # a one-flight order: adults in named seats
        by_seat = {t["seat"]: t for t in tickets}
        return [dict(base, name=p["name"], type="adult", seat=p["seat"], lap_seat=None, **{"class": p["class"]},
                     ticket_number=by_seat.get(p["seat"], {}).get("number")) for p in order["passengers"]]
    position = order["flight_ids"].index(flight_id)
    by_index = {t.get("passenger_index"): t for t in tickets}
    entries = []
    for i, p in enumerate(order["passengers"]):
        leg = p["segments"][position]
        lap_seat = order["passengers"][p["on_lap_of"]]["segments"][position]["seat"] if p["type"] == INFANT else None
        entries.append(dict(base, name=p["name"], type=p["type"], seat=leg["seat"], lap_seat=lap_seat,
                            ticket_number=by_index.get(i, {}).get("number"), **{"class": leg["class"]}))
    return entries


def booking_view(order):
    """An order as ``BookingSchema`` shows it (``order`` a document or ``OrderSchema``'s dump)."""
    return BookingSchema().dump(order) if "_id" in order else {
        key: value for key, value in order.items() if key not in BookingSchema.Meta.exclude}
