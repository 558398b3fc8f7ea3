"""Aircraft swap (track's ``flight_airplane_changed``): the flight's seats rebuilt for the
new airplane's layout, in one transaction that holds the flight's row exclusively, so no
booking of the flight runs meanwhile (bookings take it ``FOR SHARE``) and every later one
sees the new seats.

Each booking keeps its seat where the new airplane has it in the same cabin; the others are
re-seated in the same cabin (first free seats in seat order). Where a cabin has fewer seats
than it has passengers, whole bookings are displaced, the last booked first (order ids
grow with time), until the rest fit: their seats on this flight are gone, their tickets on
it cancelled, and ``booking_displaced`` tells order (which marks the booking disrupted).
A re-seated booking is told by ``seats_reassigned``. Both go through ticket's outbox.
The seat rows are replaced whole, so a seat is never held or sold twice and never more
are sold than the airplane has (the primary key and ``uq_tickets_issued_seat`` stand guard).
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ticket import domain
from ticket.models import Flight, Seat, Ticket
from ticket.store import OUTBOX


class ScheduleNotHereYet(Exception):
    """A swap of a flight whose ``flight_scheduled`` has not been handled yet."""

AIRCRAFT_CHANGE = "aircraft_change"


def plan(occupied, layout):
    """Who sits where on the new airplane.

    ``occupied``: ``[(seat, cabin, order_id)]`` of the seats held (live) or sold now;
    ``layout``: ``[(seat, cabin, row, letter)]`` of the new airplane. Returns
    ``(moves, displaced)``: ``moves`` maps each kept old seat to its new one,
    ``displaced`` is the set of order ids without seats on this flight any more."""
    capacity = {}
    for _seat, cabin, _row, _letter in layout:
        capacity[cabin] = capacity.get(cabin, 0) + 1
    per_cabin = {}
    for seat, cabin, order_id in occupied:
        per_cabin.setdefault(cabin, {}).setdefault(order_id, []).append(seat)
    displaced = set()
    for cabin, orders in per_cabin.items():
        total = sum(len(seats) for seats in orders.values())
        for order_id in sorted(orders, reverse=True):  # the last booked first
            if total <= capacity.get(cabin, 0):
                break
            displaced.add(order_id)
            total -= len(orders[order_id])
    new_cabin = {seat: cabin for seat, cabin, _row, _letter in layout}
    kept = [(seat, cabin, order_id) for seat, cabin, order_id in occupied if order_id not in displaced]
    moves, taken = {}, set()
    for seat, cabin, _order_id in kept:
        if new_cabin.get(seat) == cabin:
            moves[seat] = seat
            taken.add(seat)
    ordered = sorted(layout, key=lambda s: (s[2], s[3]))
    for seat, cabin, _order_id in sorted(kept, key=lambda k: domain.parse_seat(k[0])):
        if seat in moves:
            continue
        free = next(new for new, new_class, _r, _l in ordered if new_class == cabin and new not in taken)
        moves[seat] = free
        taken.add(free)
    return moves, displaced


def change_airplane(session, event):
    """Rebuild the flight's seats for ``event["seats"]``; returns the outbox ids to publish."""
    flight_id = event["flight_id"]
    flight = session.execute(sa.select(Flight).where(Flight.flight_id == flight_id).with_for_update()).scalar()
    if flight is None or flight.currency is None:
        # the schedule has not arrived yet (events out of order): handled again after a pause
        raise ScheduleNotHereYet(flight_id)
    if flight.status == domain.CLOSED or flight.airplane_id == event["airplane_id"]:
        return []  # closed for good, or a replay
    rows = session.execute(
        sa.select(Seat, sa.func.now().label("now")).where(Seat.flight_id == flight_id)
        .order_by(Seat.seat).with_for_update()
    ).all()
    seats = {row.Seat.seat: row.Seat for row in rows}
    now = rows[0].now if rows else None
    occupied = [(s.seat, s.cabin_class, s.order_id) for s in seats.values()
                if s.status == domain.SOLD or (s.status == domain.HELD and s.hold_expires_at > now)]
    layout = [(s["seat"], s["cabin_class"], *domain.parse_seat(s["seat"])) for s in event["seats"]]
    moves, displaced = plan(occupied, layout)

    session.execute(sa.delete(Seat).where(Seat.flight_id == flight_id))
    new_rows = []
    by_new = {new: seats[old] for old, new in moves.items()}
    for seat, cabin, row, letter in layout:
        was = by_new.get(seat)
        new_rows.append({
            "flight_id": flight_id, "seat": seat, "row": row, "letter": letter, "cabin_class": cabin,
            "price": event["fares"][cabin],
            "status": was.status if was else domain.AVAILABLE, "order_id": was.order_id if was else None,
            "hold_expires_at": was.hold_expires_at if was and was.status == domain.HELD else None,
        })
    if new_rows:
        session.execute(insert(Seat).values(new_rows))

    issued = session.execute(sa.select(Ticket).where(Ticket.flight_id == flight_id, Ticket.status == domain.ISSUED)
                             .with_for_update()).scalars().all()
    for ticket in issued:
        if ticket.order_id in displaced:
            ticket.status, ticket.cancelled_at = domain.CANCELLED, sa.func.now()
    changed = [t for t in issued if t.order_id not in displaced and t.seat and moves.get(t.seat, t.seat) != t.seat]
    # two steps, as uq_tickets_issued_seat is checked row by row: first out of the way, then in place
    was = {}
    for position, ticket in enumerate(changed):
        was[ticket.number] = ticket.seat
        ticket.seat = f"~{position}"
    session.flush()
    for ticket in changed:
        ticket.seat = moves[was[ticket.number]]
    session.execute(sa.update(Flight).where(Flight.flight_id == flight_id).values(airplane_id=event["airplane_id"]))

    events = []
    for order_id in sorted(displaced):
        events.append(OUTBOX.add(session, "booking_displaced", {
            "order_id": order_id, "flight_id": flight_id, "reason": AIRCRAFT_CHANGE,
            "seats": sorted(seat for seat, _cabin, owner in occupied if owner == order_id)}))
    reseated = {}
    for seat, _cabin, order_id in occupied:
        if order_id not in displaced and moves[seat] != seat:
            reseated.setdefault(order_id, []).append({"from": seat, "to": moves[seat]})
    for order_id, changes in sorted(reseated.items()):
        events.append(OUTBOX.add(session, "seats_reassigned", {
            "order_id": order_id, "flight_id": flight_id, "seats": changes}))
    session.commit()
    return events
