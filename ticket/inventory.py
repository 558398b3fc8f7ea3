"""The seat inventory in PostgreSQL: building it, reading it, holding and releasing seats.

Every function takes a SQLAlchemy session and leaves the commit to the caller.

Lock order, the same in every writer, so two transactions never wait on each other
in a circle: the flight row (``FOR SHARE`` by bookings, ``UPDATE`` by a cancellation)
-> the order row -> seat rows, always in seat order (or ``SKIP LOCKED``).
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common.errors import Conflict, InvalidInput, NotFound
from ticket import domain
from ticket.models import Flight, Order, Seat
from ticket.schemas import iso

NOW = sa.func.now()

# A hold past its expiry is as good as free, for everyone, before the sweeper runs.
FREE = sa.or_(Seat.status == domain.AVAILABLE, sa.and_(Seat.status == domain.HELD, Seat.hold_expires_at <= NOW))
LIVE_HOLD = sa.and_(Seat.status == domain.HELD, Seat.hold_expires_at > NOW)
EFFECTIVE_STATUS = sa.case((FREE, domain.AVAILABLE), else_=Seat.status)
SEAT_COLUMNS = (Seat.seat, Seat.cabin_class, Seat.price, Seat.status, Seat.order_id, FREE.label("free"))
RELEASED = {"status": domain.AVAILABLE, "order_id": None, "hold_expires_at": None}


def free_for(order_id):
    """Free, or held by ``order_id`` (its own hold, even lapsed, is no obstacle)."""
    return sa.or_(FREE, sa.and_(Seat.status == domain.HELD, Seat.order_id == order_id))


# -- building ---------------------------------------------------------------------------

def build_inventory(session, event):
    """Flight row and one row per seat, once: a replayed schedule inserts nothing."""
    flight = insert(Flight).values(
        flight_id=event["flight_id"], departure_at=event["departure_at"], currency=event["currency"],
    )
    # a cancellation may have arrived first and left a closed row without these
    session.execute(flight.on_conflict_do_update(
        index_elements=[Flight.flight_id],
        set_={"departure_at": flight.excluded.departure_at, "currency": flight.excluded.currency},
        where=Flight.currency.is_(None),
    ))
    rows = []
    for seat in event["seats"]:
        row, letter = domain.parse_seat(seat["seat"])
        rows.append({
            "flight_id": event["flight_id"], "seat": seat["seat"], "row": row, "letter": letter,
            "cabin_class": seat["cabin_class"], "price": event["fares"][seat["cabin_class"]],
        })
    if rows:
        session.execute(insert(Seat).values(rows).on_conflict_do_nothing(index_elements=[Seat.flight_id, Seat.seat]))


def close_flight(session, flight_id, reason):
    """Booking closed for good (departed, arrived, cancelled); takes the flight's
    exclusive lock, so it waits for bookings in progress and later ones see it."""
    closing = insert(Flight).values(flight_id=flight_id, status=domain.CLOSED, closed_reason=reason)
    session.execute(closing.on_conflict_do_update(
        index_elements=[Flight.flight_id],
        # a cancellation is the reason that matters most; otherwise the first one stays
        set_={"status": domain.CLOSED,
              "closed_reason": reason if reason == "cancelled" else sa.func.coalesce(Flight.closed_reason, reason)},
    ))


def reschedule(session, flight_id, departure_at):
    session.execute(
        sa.update(Flight)
        .where(Flight.flight_id == flight_id, Flight.status == domain.OPEN)
        .values(departure_at=departure_at)
    )


# -- reading ----------------------------------------------------------------------------

def _seat_order():
    return (Seat.row, Seat.letter)


def seat_map(session, flight_id):
    flight = session.get(Flight, flight_id)
    if flight is None or flight.currency is None:
        raise NotFound("No such flight.", details={"flight_id": flight_id})
    rows = session.execute(
        sa.select(Seat.seat, Seat.cabin_class, Seat.price, EFFECTIVE_STATUS.label("status"))
        .where(Seat.flight_id == flight_id)
        .order_by(*_seat_order())
    )
    return {
        "flight_id": flight_id,
        "currency": flight.currency,
        "status": flight.status,
        "seats": [{"seat": r.seat, "class": r.cabin_class, "price": r.price, "status": r.status} for r in rows],
    }


def bookable():
    return sa.and_(Flight.status == domain.OPEN, Flight.departure_at > NOW)


def availability(session, flight_ids):
    """Free seats and fare per class for a page of flights, in one grouped query
    (served by ``ix_seats_flight_class_status``). A closed flight has none."""
    if not flight_ids:
        return {}
    rows = session.execute(
        sa.select(
            Seat.flight_id, Seat.cabin_class,
            sa.func.count().filter(sa.and_(FREE, bookable())).label("available"),
            sa.func.min(Seat.price).label("price"),
        )
        .join(Flight, Flight.flight_id == Seat.flight_id)
        .where(Seat.flight_id.in_(flight_ids))
        .group_by(Seat.flight_id, Seat.cabin_class)
    )
    answer = {}
    for row in rows:
        answer.setdefault(row.flight_id, {})[row.cabin_class] = {"available": row.available, "price": row.price}
    return answer


# -- holding ----------------------------------------------------------------------------

def lock_flight(session, flight_id):
    """The flight row ``FOR SHARE``: bookings run side by side, a closing waits for them."""
    return session.execute(
        sa.select(Flight.status, Flight.currency, (Flight.departure_at > NOW).label("upcoming"))
        .where(Flight.flight_id == flight_id)
        .with_for_update(read=True)
    ).one_or_none()


ORDER_COLUMNS = (Order.order_id, Order.flight_id, Order.state, Order.paid, Order.reason, Order.hold_expires_at)


def claim_order(session, order_id, flight_id, **values):
    """The order's row, locked: created if new (``created`` True), else the existing one."""
    created = session.execute(
        insert(Order)
        .values(order_id=order_id, flight_id=flight_id, **values)
        .on_conflict_do_nothing(index_elements=[Order.order_id])
        .returning(*ORDER_COLUMNS, sa.literal(True).label("created"), sa.literal(True).label("live"))
    ).one_or_none()
    return created or lock_order(session, order_id)


def lock_order(session, order_id):
    return session.execute(
        sa.select(*ORDER_COLUMNS, sa.literal(False).label("created"),
                  sa.func.coalesce(Order.hold_expires_at > NOW, False).label("live"))
        .where(Order.order_id == order_id)
        .with_for_update()
    ).one_or_none()


def lock_seats(session, flight_id, seats, *conditions, skip_locked=False):
    """Lock seat rows in seat order (so two buyers never deadlock), with what is needed
    to judge them."""
    return session.execute(
        sa.select(*SEAT_COLUMNS)
        .where(Seat.flight_id == flight_id, Seat.seat.in_(seats), *conditions)
        .order_by(Seat.seat)
        .with_for_update(skip_locked=skip_locked)
    ).all()


def hold_seats(session, request, ttl_seconds):
    """All the requested seats for the order, or none (an error, and the caller rolls back)."""
    order_id, flight_id = request["order_id"], request["flight_id"]
    flight = lock_flight(session, flight_id)
    if flight is None:
        raise NotFound("No such flight.", details={"flight_id": flight_id})
    if flight.status != domain.OPEN or not flight.upcoming:
        raise Conflict("This flight is not open for booking.", code="FLIGHT_NOT_BOOKABLE",
                       details={"flight_id": flight_id})
    expires = NOW + sa.func.make_interval(0, 0, 0, 0, 0, 0, ttl_seconds)
    order = claim_order(session, order_id, flight_id, state=domain.ORDER_HELD, hold_expires_at=expires)
    if not order.created:
        if order.flight_id != flight_id or order.state == domain.ORDER_CLOSED:
            raise Conflict("This order can no longer hold seats.", code="ORDER_CLOSED",
                           details={"order_id": order_id})
        if order.live or order.state == domain.ORDER_TICKETED:
            return held_by(session, order_id, flight_id, flight.currency, order.hold_expires_at)
        order = session.execute(
            sa.update(Order).where(Order.order_id == order_id)
            .values(hold_expires_at=expires, updated_at=NOW).returning(Order.hold_expires_at)
        ).one()

    # Each step below marks its seats held as it takes them; an error in a later
    # step rolls the whole transaction back, so a hold is still all or nothing.
    hold = Hold(order_id, flight_id, order.hold_expires_at)
    named = _hold_named(session, hold, request["seats"], request["cabin_class"])
    assigned = _assign(session, hold, request["cabin_class"], request["count"], set(request["seats"]))
    return _hold_answer(order_id, flight_id, flight.currency, order.hold_expires_at, named + assigned)


class Hold:
    """The order a hold is for, and its expiry: what ``take_seats`` writes on a seat."""

    def __init__(self, order_id, flight_id, expires_at):
        self.order_id, self.flight_id, self.expires_at = order_id, flight_id, expires_at

    def values(self):
        return {"status": domain.HELD, "order_id": self.order_id, "hold_expires_at": self.expires_at}


def take_seats(session, hold, seats, *conditions, skip_locked=False):
    """Mark held those of ``seats`` that meet ``conditions``, in one statement: its
    subquery locks the rows in seat order first (as ``lock_seats``; ``conditions``
    also filter it when ``skip_locked``), and the UPDATE judges ``conditions`` on
    the latest committed version of each locked row. Returns the seats taken."""
    locking = sa.select(Seat.seat).where(Seat.flight_id == hold.flight_id, Seat.seat.in_(seats))
    if skip_locked:
        locking = locking.where(*conditions)
    locking = locking.order_by(Seat.seat).with_for_update(skip_locked=skip_locked)
    return session.execute(
        sa.update(Seat)
        .where(Seat.flight_id == hold.flight_id, Seat.seat.in_(locking.scalar_subquery()), *conditions)
        .values(**hold.values())
        .returning(Seat.seat, Seat.cabin_class, Seat.price)
    ).all()


def _hold_named(session, hold, seats, cabin_class):
    """All the named seats held, or an error saying which are not to be had."""
    if not seats:
        return []
    right_class = (Seat.cabin_class == cabin_class,) if cabin_class else ()
    taken = {r.seat: r for r in take_seats(session, hold, seats, free_for(hold.order_id), *right_class)}
    missing = [s for s in seats if s not in taken]
    if missing:
        # The UPDATE may have judged a row on the version its snapshot saw before a
        # competitor committed (freeing the seat, say). The rows are locked by now, so
        # a new statement reads their final versions: refuse on those, or take them.
        _check_named(lock_seats(session, hold.flight_id, missing), hold.order_id, missing, cabin_class)
        taken.update((r.seat, r) for r in take_seats(session, hold, missing))
    return [taken[s] for s in seats]


def _check_named(locked, order_id, seats, cabin_class):
    rows = {r.seat: r for r in locked}
    unknown = [s for s in seats if s not in rows]
    if unknown:
        raise InvalidInput(f"No such seat on this flight: {', '.join(unknown)}.",
                           details={"fields": {"seats": [f"Unknown seat: {s}" for s in unknown]}, "seats": unknown})
    other_class = [s for s in seats if cabin_class and rows[s].cabin_class != cabin_class]
    if other_class:
        raise InvalidInput(f"Not {cabin_class} seats: {', '.join(other_class)}.",
                           details={"fields": {"seats": [f"Not a {cabin_class} seat: {s}" for s in other_class]},
                                    "seats": other_class})
    taken = [s for s in seats if not (rows[s].free or rows[s].status == domain.HELD and rows[s].order_id == order_id)]
    if taken:
        raise Conflict(f"Seats already taken: {', '.join(taken)}.", code="SEAT_UNAVAILABLE",
                       details={"seats": taken})


def _assign(session, hold, cabin_class, count, excluded, attempts=2):
    """``count`` seats of the class, chosen from a plain read, then locked with
    ``SKIP LOCKED``: a seat another buyer is taking right now is skipped, not waited
    for, and the choice is made again without it. Buyers racing for the same block
    can keep losing it, so the last resort takes the first free seats nobody is
    taking, in seat order: a free seat is never refused."""
    if not count:
        return []
    order_id, flight_id = hold.order_id, hold.flight_id
    got, lost = [], set()
    for _attempt in range(attempts):
        cabin = session.execute(
            sa.select(Seat.row, Seat.letter, Seat.seat, free_for(order_id).label("free"))
            .where(Seat.flight_id == flight_id, Seat.cabin_class == cabin_class)
        ).all()
        taken = excluded | lost | {s.seat for s in got}
        choice = domain.choose_seats([tuple(s) for s in cabin], count - len(got), taken)
        if choice is None:
            break
        locked = take_seats(session, hold, choice, free_for(order_id), skip_locked=True)
        got.extend(locked)
        lost |= set(choice) - {s.seat for s in locked}
        if len(got) == count:
            return sorted(got, key=lambda s: domain.seat_sort_key(s.seat))
    # A LIMIT under a locking subquery of an UPDATE may run more than once, so
    # the last resort locks first and marks the seats in a second statement.
    last_resort = session.execute(
        sa.select(Seat.seat)
        .where(Seat.flight_id == flight_id, Seat.cabin_class == cabin_class, free_for(order_id),
               Seat.seat.not_in(excluded | {s.seat for s in got}))
        .order_by(*_seat_order())
        .limit(count - len(got))
        .with_for_update(skip_locked=True)
    ).scalars().all()
    if last_resort:
        got.extend(take_seats(session, hold, last_resort))
    if len(got) < count:
        raise Conflict(f"Not enough {cabin_class} seats left.", code="NOT_ENOUGH_SEATS",
                       details={"cabin_class": cabin_class, "requested": count})
    return sorted(got, key=lambda s: domain.seat_sort_key(s.seat))


def _hold_answer(order_id, flight_id, currency, expires_at, seats):
    return {
        "order_id": order_id,
        "flight_id": flight_id,
        "currency": currency,
        "amount": sum(s.price for s in seats),
        "expires_at": iso(expires_at),
        "seats": [{"seat": s.seat, "class": s.cabin_class, "price": s.price} for s in seats],
    }


def held_by(session, order_id, flight_id, currency, expires_at):
    """The existing hold of an order (the answer to a retried ``hold_seats``)."""
    seats = session.execute(
        sa.select(Seat.seat, Seat.cabin_class, Seat.price)
        .where(Seat.flight_id == flight_id, Seat.order_id == order_id, sa.or_(Seat.status == domain.SOLD, LIVE_HOLD))
        .order_by(*_seat_order())
    ).all()
    return _hold_answer(order_id, flight_id, currency, expires_at, seats)


def release_seats(session, flight_id, order_id, statuses=(domain.HELD,)):
    """The order's seats back on sale, locked in seat order first. Returns their labels."""
    mine = lock_seats_of(session, flight_id, order_id, statuses)
    if not mine:
        return []
    session.execute(sa.update(Seat).where(Seat.flight_id == flight_id, Seat.seat.in_(mine)).values(**RELEASED))
    return mine


def lock_seats_of(session, flight_id, order_id, statuses):
    return session.execute(
        sa.select(Seat.seat)
        .where(Seat.flight_id == flight_id, Seat.order_id == order_id, Seat.status.in_(statuses))
        .order_by(Seat.seat)
        .with_for_update()
    ).scalars().all()


def release_hold(session, order_id):
    flight_id = session.execute(sa.select(Order.flight_id).where(Order.order_id == order_id)).scalar()
    if flight_id is None:
        return {"released": 0}
    lock_flight(session, flight_id)
    order = lock_order(session, order_id)
    if order.state != domain.ORDER_HELD:
        return {"released": 0}
    released = release_seats(session, flight_id, order_id)
    session.execute(sa.update(Order).where(Order.order_id == order_id).values(hold_expires_at=NOW, updated_at=NOW))
    return {"released": len(released)}


def sweep_expired_holds(session):
    """Lapsed holds back on sale in one statement. ``SKIP LOCKED``: a seat a booking
    is working on right now is left for the next sweep, never waited for."""
    lapsed = (
        sa.select(Seat.flight_id, Seat.seat)
        .where(Seat.status == domain.HELD, Seat.hold_expires_at <= NOW)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        sa.update(Seat)
        .where(sa.tuple_(Seat.flight_id, Seat.seat).in_(lapsed))
        .values(**RELEASED)
    )
    return result.rowcount
