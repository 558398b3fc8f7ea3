"""All of the ticket service's database work (PostgreSQL): the seat inventory, the
orders it has seen, e-tickets and the outbox. Every function takes a SQLAlchemy
session and leaves the commit to the caller.

Lock order, the same in every writer, so two transactions never wait on each other
in a circle: the flight rows (``FOR SHARE`` by bookings, ``UPDATE`` by a cancellation;
an itinerary's flights in ``flight_id`` order) -> the order row -> seat rows, always in
``(flight_id, seat)`` order (or ``SKIP LOCKED``).
"""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common.outbox import Outbox
from common.sql import compiled_once
from ticket import domain
from ticket.models import (
    TICKET_SERIAL,
    AvailabilityCount,
    Flight,
    Order,
    OrderFlight,
    OutboxEvent,
    Seat,
    Ticket,
    TicketExchange,
)

NOW = sa.func.now()
# ticket's facts that must not be lost with a crash after the commit (seats moved, bookings
# displaced): written in the transaction of the change, published after it, relayed by a timer
OUTBOX = Outbox(OutboxEvent)

# ``domain.seat_is_free`` in SQL: a hold past its expiry is as good as free, for
# everyone, before the sweeper runs.
FREE = sa.or_(Seat.status == domain.AVAILABLE, sa.and_(Seat.status == domain.HELD, Seat.hold_expires_at <= NOW))
LIVE_HOLD = sa.and_(Seat.status == domain.HELD, Seat.hold_expires_at > NOW)
EFFECTIVE_STATUS = sa.case((FREE, domain.AVAILABLE), else_=Seat.status)
# what ``domain.seat_is_free_for`` needs to judge a seat, with the clock the SQL form reads
SEAT_COLUMNS = (Seat.seat, Seat.cabin_class, Seat.price, Seat.status, Seat.order_id, Seat.hold_expires_at,
                NOW.label("now"))
RELEASED = {"status": domain.AVAILABLE, "order_id": None, "hold_expires_at": None}


def free_for(order_id):
    """``domain.seat_is_free_for`` in SQL: free, or held by ``order_id``."""
    return sa.or_(FREE, sa.and_(Seat.status == domain.HELD, Seat.order_id == order_id))


def seat_order():
    return (Seat.row, Seat.letter)


# -- flights ----------------------------------------------------------------------------

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


def follow_track(session, flight_id, track_status, departure_at=None):
    """Track's latest status of an open flight, and its new departure time if it
    moved; like a closing, it waits for the bookings in progress."""
    values = {"track_status": track_status}
    if departure_at is not None:
        values["departure_at"] = departure_at
    session.execute(
        sa.update(Flight).where(Flight.flight_id == flight_id, Flight.status == domain.OPEN).values(**values)
    )


def cap_holds(session, flight_id, bound):
    """No hold of the flight lasts past ``bound`` (a time, or ``NOW``). Called after
    the flight row was updated, so no booking of the flight is in progress: the
    order rows, then the seat rows, are taken in the usual order."""
    session.execute(
        sa.update(Order)
        .where(Order.order_id.in_(orders_on(flight_id)), Order.state == domain.ORDER_HELD,
               Order.hold_expires_at > bound)
        .values(hold_expires_at=bound, updated_at=NOW)
    )
    session.execute(
        sa.update(Seat)
        .where(Seat.flight_id == flight_id, Seat.status == domain.HELD, Seat.hold_expires_at > bound)
        .values(hold_expires_at=bound)
    )


def lock_flight(session, flight_id):
    """The flight row ``FOR SHARE``: bookings run side by side, a closing waits for
    them. With what ``domain.closed_for_booking_because`` judges, and the clock."""
    return session.execute(
        sa.select(Flight.status, Flight.closed_reason, Flight.track_status, Flight.currency, Flight.departure_at,
                  NOW.label("now"))
        .where(Flight.flight_id == flight_id)
        .with_for_update(read=True)
    ).one_or_none()


# -- reading the inventory --------------------------------------------------------------

def scheduled_flight(session, flight_id):
    """The flight, if its schedule has arrived (a cancellation alone leaves no currency)."""
    flight = session.get(Flight, flight_id)
    return flight if flight is not None and flight.currency is not None else None


def seat_statuses(session, flight_id):
    return session.execute(
        sa.select(Seat.seat, Seat.cabin_class, Seat.price, EFFECTIVE_STATUS.label("status"))
        .where(Seat.flight_id == flight_id)
        .order_by(*seat_order())
    ).all()


def bookable():
    """``domain.closed_for_booking_because`` is ``None``, in SQL."""
    return sa.and_(Flight.status == domain.OPEN, Flight.departure_at > NOW,
                   sa.func.coalesce(Flight.track_status, "") != domain.BOARDING)


def free_seats_per_class(session, flight_ids):
    """Free seats and lowest fare per (flight, class), in one grouped query (served by
    ``ix_seats_flight_class_status``). A closed flight has none."""
    return session.execute(
        sa.select(
            Seat.flight_id, Seat.cabin_class,
            sa.func.count().filter(sa.and_(FREE, bookable())).label("available"),
            sa.func.min(Seat.price).label("price"),
        )
        .join(Flight, Flight.flight_id == Seat.flight_id)
        .where(Seat.flight_id.in_(flight_ids))
        .group_by(Seat.flight_id, Seat.cabin_class)
    ).all()


def availability_counts(session, flight_ids=None, since=None, departing_after=None, limit=None):
    """Rows of ``flight_id, cabin_class, available, price, version`` from the counts the
    triggers keep: of ``flight_ids``, or changed after version ``since`` (in version order),
    or of flights departing after ``departing_after``; ``available`` is 0 on a flight not
    bookable (as in ``free_seats_per_class``)."""
    query = (
        sa.select(AvailabilityCount.flight_id, AvailabilityCount.cabin_class,
                  sa.case((bookable(), AvailabilityCount.free), else_=0).label("available"),
                  AvailabilityCount.price, AvailabilityCount.version)
        .join(Flight, Flight.flight_id == AvailabilityCount.flight_id)
    )
    if flight_ids is not None:
        query = query.where(AvailabilityCount.flight_id.in_(flight_ids))
    if since is not None:
        query = query.where(AvailabilityCount.version > since).order_by(AvailabilityCount.version)
    if departing_after is not None:
        query = query.where(Flight.departure_at > departing_after)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()


def availability_changes(session, since, limit):
    """``(flight_id, version)`` of the counts changed after version ``since``, in version order."""
    return session.execute(
        sa.select(AvailabilityCount.flight_id, AvailabilityCount.version)
        .where(AvailabilityCount.version > since).order_by(AvailabilityCount.version).limit(limit)).all()


def latest_availability_version(session):
    return session.execute(sa.select(sa.func.coalesce(sa.func.max(AvailabilityCount.version), 0))).scalar_one()


# -- orders -----------------------------------------------------------------------------

ORDER_COLUMNS = (Order.order_id, Order.flight_id, Order.state, Order.paid, Order.reason, Order.hold_expires_at)


def claim_order(session, order_id, flight_id, **values):
    """The order's row, locked: created if new (``created`` True), else the existing one."""
    params = dict(values, order_id=order_id, flight_id=flight_id)
    created = session.execute(_claim_statement(tuple(sorted(params))), params).one_or_none()
    return created or lock_order(session, order_id)


@cache
def _claim_statement(columns):
    """``claim_order``'s statement for these columns, compiled once (``common.sql.compiled_once``:
    on every hold and every issue it was the largest part of ticket's CPU that was not the
    database's)."""
    return compiled_once(
        insert(Order).values({column: sa.bindparam(column) for column in columns})
        .on_conflict_do_nothing(index_elements=[Order.order_id])
        .returning(*ORDER_COLUMNS, sa.true().label("created"), sa.true().label("live"))
    )


def lock_order(session, order_id):
    return session.execute(
        sa.select(*ORDER_COLUMNS, sa.literal(False).label("created"),
                  sa.func.coalesce(Order.hold_expires_at > NOW, False).label("live"))
        .where(Order.order_id == order_id)
        .with_for_update()
    ).one_or_none()


def flight_of_order(session, order_id):
    return session.execute(sa.select(Order.flight_id).where(Order.order_id == order_id)).scalar()


def orders_on(flight_id):
    """The ids of the orders with a segment on the flight (a subquery)."""
    return sa.select(OrderFlight.order_id).where(OrderFlight.flight_id == flight_id).scalar_subquery()


def add_order_flights(session, order_id, flight_ids):
    """The flights of a new order, in the itinerary's order."""
    session.execute(insert(OrderFlight).values(
        [{"order_id": order_id, "flight_id": flight_id, "position": i} for i, flight_id in enumerate(flight_ids)]
    ).on_conflict_do_nothing(index_elements=[OrderFlight.order_id, OrderFlight.flight_id]))


def flights_of_order(session, order_id):
    """The order's flights in itinerary order ([] for an order ticket never saw); an order
    recorded without segments (by an event, not a hold) has its one ``flight_id``."""
    flights = session.execute(
        sa.select(OrderFlight.flight_id).where(OrderFlight.order_id == order_id).order_by(OrderFlight.position)
    ).scalars().all()
    if flights:
        return list(flights)
    first = flight_of_order(session, order_id)
    return [first] if first else []


def renew_hold(session, order_id, hold_expires_at):
    """A new expiry for an order whose hold lapsed; returns it."""
    return session.execute(
        sa.update(Order).where(Order.order_id == order_id)
        .values(hold_expires_at=hold_expires_at, updated_at=NOW).returning(Order.hold_expires_at)
    ).scalar_one()


def end_hold(session, order_id):
    session.execute(sa.update(Order).where(Order.order_id == order_id).values(hold_expires_at=NOW, updated_at=NOW))


def set_order(session, order_id, **values):
    session.execute(sa.update(Order).where(Order.order_id == order_id).values(updated_at=NOW, **values))


def close_orders_of_flight(session, flight_id):
    """Every open order of a cancelled flight closed, a paid one with its refund
    event pending. Returns their ids."""
    return session.execute(
        sa.update(Order)
        .where(sa.or_(Order.flight_id == flight_id, Order.order_id.in_(orders_on(flight_id))),
               Order.state != domain.ORDER_CLOSED)
        .values(state=domain.ORDER_CLOSED, reason=domain.REASON_FLIGHT_CANCELLED, refund_amount=None, updated_at=NOW,
                pending_event=sa.case((Order.paid, domain.TICKETS_CANCELLED), else_=None))
        .returning(Order.order_id)
    ).scalars().all()


# -- seats: holding, selling, releasing -------------------------------------------------

def lock_itinerary_seats(session, seats_by_flight):
    """``lock_seats`` across flights: ``{flight_id: [seats]}`` locked in ``(flight_id, seat)``
    order, the global order every writer follows."""
    wanted = [(flight_id, seat) for flight_id, seats in seats_by_flight.items() for seat in seats]
    if not wanted:
        return []
    return session.execute(
        sa.select(Seat.flight_id, *SEAT_COLUMNS)
        .where(sa.tuple_(Seat.flight_id, Seat.seat).in_(wanted))
        .order_by(Seat.flight_id, Seat.seat)
        .with_for_update()
    ).all()


def lock_seats(session, flight_id, seats):
    """Lock seat rows in seat order (so two buyers never deadlock), with what is needed
    to judge them (``SEAT_COLUMNS``)."""
    return session.execute(
        sa.select(*SEAT_COLUMNS)
        .where(Seat.flight_id == flight_id, Seat.seat.in_(seats))
        .order_by(Seat.seat)
        .with_for_update()
    ).all()


def take_seats(session, hold, seats, *conditions, skip_locked=False):
    """Mark held (``hold.values()``) those of ``seats`` that meet ``conditions``, in one
    statement: its subquery locks the rows in seat order first (as ``lock_seats``;
    ``conditions`` also filter it when ``skip_locked``), and the UPDATE judges
    ``conditions`` on the latest committed version of each locked row. Returns the
    seats taken."""
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


def of_class(cabin_class):
    """The condition "of this cabin class", or none when no class is asked for."""
    return (Seat.cabin_class == cabin_class,) if cabin_class else ()


def cabin_for(session, flight_id, cabin_class, order_id):
    """Every seat of the cabin as ``(row, letter, seat, free for the order)``, a plain
    read: what ``domain.choose_seats`` chooses from."""
    return [tuple(s) for s in session.execute(
        sa.select(Seat.row, Seat.letter, Seat.seat, free_for(order_id).label("free"))
        .where(Seat.flight_id == flight_id, Seat.cabin_class == cabin_class)
    )]


def lock_first_free(session, flight_id, cabin_class, order_id, excluded, count):
    """The first ``count`` seats of the class free for the order and not ``excluded``,
    in seat order, locked; seats another transaction holds locked are skipped.
    Not marked here: a LIMIT under a locking subquery of an UPDATE may run more than
    once, so the caller marks them in a second statement."""
    return session.execute(
        sa.select(Seat.seat)
        .where(Seat.flight_id == flight_id, Seat.cabin_class == cabin_class, free_for(order_id),
               Seat.seat.not_in(excluded))
        .order_by(*seat_order())
        .limit(count)
        .with_for_update(skip_locked=True)
    ).scalars().all()


def seats_of_order(session, flight_id, order_id):
    """The seats an order holds (a live hold) or has bought."""
    return session.execute(
        sa.select(Seat.seat, Seat.cabin_class, Seat.price)
        .where(Seat.flight_id == flight_id, Seat.order_id == order_id, sa.or_(Seat.status == domain.SOLD, LIVE_HOLD))
        .order_by(*seat_order())
    ).all()


def sell_seats(session, flight_id, order_id, seats):
    session.execute(
        sa.update(Seat)
        .where(Seat.flight_id == flight_id, Seat.seat.in_(seats))
        .values(status=domain.SOLD, order_id=order_id, hold_expires_at=None)
    )


def release_order_seats(session, order_ids, statuses=(domain.HELD,)):
    """The seats of the order (an id, or a list of ids) on every flight back on sale,
    locked in ``(flight_id, seat)`` order first. Returns how many."""
    order_ids = [order_ids] if isinstance(order_ids, str) else list(order_ids)
    if not order_ids:
        return 0
    mine = session.execute(
        sa.select(Seat.flight_id, Seat.seat)
        .where(Seat.order_id.in_(order_ids), Seat.status.in_(statuses))
        .order_by(Seat.flight_id, Seat.seat)
        .with_for_update()
    ).all()
    if mine:
        session.execute(sa.update(Seat).where(sa.tuple_(Seat.flight_id, Seat.seat).in_(
            [tuple(row) for row in mine])).values(**RELEASED))
    return len(mine)


def release_flight(session, flight_id):
    """Every seat of the flight back on sale."""
    session.execute(
        sa.update(Seat).where(Seat.flight_id == flight_id, Seat.status != domain.AVAILABLE).values(**RELEASED)
    )


def sweep_expired_holds(session):
    """Lapsed holds back on sale in one statement: past their expiry or past their
    flight's departure, whichever is first. ``SKIP LOCKED``: a seat a booking (or
    another replica's sweep) is working on right now is left for the next sweep,
    never waited for."""
    departed = sa.select(Flight.flight_id).where(Flight.departure_at <= NOW)
    lapsed = (
        sa.select(Seat.flight_id, Seat.seat)
        .where(Seat.status == domain.HELD,
               sa.or_(Seat.hold_expires_at <= NOW, Seat.flight_id.in_(departed.scalar_subquery())))
        .with_for_update(of=Seat, skip_locked=True)
    )
    result = session.execute(
        sa.update(Seat)
        .where(sa.tuple_(Seat.flight_id, Seat.seat).in_(lapsed))
        .values(**RELEASED)
    )
    return result.rowcount


# -- tickets ----------------------------------------------------------------------------

def next_serials(session, count):
    return session.execute(sa.select(TICKET_SERIAL.next_value()).select_from(
        sa.func.generate_series(1, count))).scalars().all()


def insert_tickets(session, rows):
    """One INSERT of every row (``rows`` as parameters, not values: a statement SQLAlchemy
    caches), the tickets returned."""
    return session.execute(sa.insert(Ticket).returning(Ticket, sort_by_parameter_order=True), rows).scalars().all()


def cancel_tickets_of_order(session, order_id):
    """The order's issued tickets cancelled; returns their numbers."""
    return session.execute(
        sa.update(Ticket)
        .where(Ticket.order_id == order_id, Ticket.status == domain.ISSUED)
        .values(status=domain.CANCELLED, cancelled_at=NOW)
        .returning(Ticket.number)
    ).scalars().all()


def cancel_tickets_of_orders(session, order_ids):
    if order_ids:
        session.execute(
            sa.update(Ticket)
            .where(Ticket.order_id.in_(order_ids), Ticket.status == domain.ISSUED)
            .values(status=domain.CANCELLED, cancelled_at=NOW)
        )


def cancel_tickets_of_flight(session, flight_id):
    session.execute(
        sa.update(Ticket)
        .where(Ticket.flight_id == flight_id, Ticket.status == domain.ISSUED)
        .values(status=domain.CANCELLED, cancelled_at=NOW)
    )


def ticket(session, number):
    return session.get(Ticket, str(number))


def tickets_where(session, *conditions):
    return session.execute(
        sa.select(Ticket).where(*conditions).order_by(Ticket.issued_at.desc(), Ticket.number)
    ).scalars().all()


def tickets_of_user(session, user_id, limit, after=None):
    """The user's tickets, newest first (a booking's in number order), at most ``limit``,
    those after ``after`` = ``(issued_at, number)`` of the previous page's last."""
    conditions = [Ticket.user_id == str(user_id)]
    if after is not None:
        issued_at, number = after
        conditions.append(sa.or_(Ticket.issued_at < issued_at,
                                 sa.and_(Ticket.issued_at == issued_at, Ticket.number > number)))
    return session.execute(
        sa.select(Ticket).where(*conditions).order_by(Ticket.issued_at.desc(), Ticket.number).limit(limit)
    ).scalars().all()


def tickets_of_order(session, order_id):
    return tickets_where(session, Ticket.order_id == str(order_id))


# -- the outbox -------------------------------------------------------------------------

def pending_orders(session, order_ids):
    """Those of the orders with an event decided but not yet published, and their
    tickets (``{order_id: [tickets in number order]}``)."""
    query = sa.select(Order).where(Order.pending_event.is_not(None), Order.order_id.in_(order_ids))
    orders = session.execute(query.order_by(Order.order_id)).scalars().all()
    tickets = {}
    if orders:
        for found in session.execute(
            sa.select(Ticket).where(Ticket.order_id.in_([o.order_id for o in orders])).order_by(Ticket.number)
        ).scalars():
            tickets.setdefault(found.order_id, []).append(found)
    return orders, tickets


def claim_stuck_orders(session, older_than_seconds, limit):
    """Orders whose event has waited ``older_than_seconds`` since it was decided
    (or last relayed), claimed for this relay: ``SKIP LOCKED`` leaves those another
    replica's relay is claiming, and ``updated_at`` moved to now keeps them from the
    next relay for as long again, so replicas do not publish the same event
    together (a relay that dies before publishing leaves it to the next one: at
    least once). Returns their ids."""
    stuck = (
        sa.select(Order.order_id)
        .where(Order.pending_event.is_not(None),
               Order.updated_at < NOW - sa.func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds))
        .order_by(Order.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.execute(
        sa.update(Order).where(Order.order_id.in_(stuck.scalar_subquery())).values(updated_at=NOW)
        .returning(Order.order_id)
    ).scalars().all()


def mark_published(session, announcements):
    if announcements:
        session.execute(
            sa.update(Order)
            .where(sa.tuple_(Order.order_id, Order.pending_event).in_(
                [(a.order_id, a.event_type) for a in announcements]))
            .values(pending_event=None)
        )


# -- the audit: read-only pages in key order ---------------------------------------------

def audit_tickets(session, after, count):
    """``count`` tickets after ticket number ``after`` (or from the first), in number order."""
    query = sa.select(
        Ticket.number, Ticket.order_id, Ticket.flight_id, Ticket.seat, Ticket.status, Ticket.fare, Ticket.currency,
        sa.func.coalesce(Ticket.cancelled_at, Ticket.issued_at).label("updated_at"),
    )
    if after is not None:
        query = query.where(Ticket.number > after)
    return session.execute(query.order_by(Ticket.number).limit(count)).all()


def audit_seats(session, after, count):
    """``count`` seats that are not available (held, lapsed or not, or sold) after the
    ``(flight_id, seat)`` ``after``, in that order."""
    query = sa.select(Seat.flight_id, Seat.seat, Seat.status, Seat.order_id, Seat.hold_expires_at).where(
        Seat.status != domain.AVAILABLE, Seat.order_id.is_not(None))
    if after is not None:
        query = query.where(sa.tuple_(Seat.flight_id, Seat.seat) > tuple(after))
    return session.execute(query.order_by(Seat.flight_id, Seat.seat).limit(count)).all()


# -- exchanges (voluntary changes of flight) -------------------------------------------

def exchange_of(session, change_id):
    return session.get(TicketExchange, change_id)


def record_exchange(session, change_id, order_id, old_flight_id, new_flight_id, old_numbers, new_numbers):
    exchange = TicketExchange(change_id=change_id, order_id=order_id, old_flight_id=old_flight_id,
                              new_flight_id=new_flight_id, old_numbers=old_numbers, new_numbers=new_numbers)
    session.add(exchange)
    session.flush()
    return exchange


def tickets_on(session, order_id, flight_id, status):
    """The order's tickets in ``status`` on the flight, locked."""
    return session.execute(
        sa.select(Ticket).where(Ticket.order_id == order_id, Ticket.flight_id == flight_id,
                                Ticket.status == status)
        .order_by(Ticket.number).with_for_update()
    ).scalars().all()


def mark_exchanged(session, numbers):
    session.execute(sa.update(Ticket).where(Ticket.number.in_(numbers)).values(status=domain.EXCHANGED,
                                                                               cancelled_at=NOW))


def release_order_seats_on(session, order_id, flight_id):
    """The order's sold seats on one flight back on sale (locked in seat order first)."""
    mine = session.execute(
        sa.select(Seat.seat).where(Seat.flight_id == flight_id, Seat.order_id == order_id,
                                   Seat.status == domain.SOLD)
        .order_by(Seat.seat).with_for_update()
    ).scalars().all()
    if mine:
        session.execute(sa.update(Seat).where(Seat.flight_id == flight_id, Seat.seat.in_(mine)).values(**RELEASED))
    return len(mine)


def move_order_flight(session, order_id, old_flight_id, new_flight_id):
    """The order's segment on ``old_flight_id`` now on ``new_flight_id`` (its first flight too)."""
    session.execute(sa.update(OrderFlight).where(OrderFlight.order_id == order_id,
                                                 OrderFlight.flight_id == old_flight_id)
                    .values(flight_id=new_flight_id))
    session.execute(sa.update(Order).where(Order.order_id == order_id, Order.flight_id == old_flight_id)
                    .values(flight_id=new_flight_id, updated_at=NOW))
