"""The ticket service's database work for check-in, boarding, no-shows and the
announcement that check-in is open (the rest of
``store.py``, kept apart). Every function takes a SQLAlchemy session and leaves the
commit to the caller.

Lock order, the one of ``store.py`` extended: the flight row (``FOR SHARE``; a
departure takes it exclusively) -> the order row -> the ticket row -> seat rows in
seat order -> the flight's check-in sequence -> the check-in row.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ticket import domain
from ticket.models import CheckIn, CheckInAnnouncement, CheckInSequence, Flight, Order, OrderFlight, Seat, Ticket
from ticket.store import FREE, NOW


def check_in(session, ticket_number, lock=False):
    query = sa.select(CheckIn).where(CheckIn.ticket_number == ticket_number)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def lock_ticket(session, number):
    return session.execute(sa.select(Ticket).where(Ticket.number == number).with_for_update()).scalar_one_or_none()


def move_seat(session, flight_id, order_id, old, new, cabin_class):
    """The order's sold seat ``old`` given up for ``new``, if ``new`` is a free seat of
    ``cabin_class``, in one statement: its subquery locks both rows in seat order (as
    every seat writer does), and the UPDATE judges each condition on the latest
    committed version of its locked row, so two passengers moving to one seat cannot
    both have it. Returns the seats changed: both, or the move did not happen."""
    locking = (sa.select(Seat.seat).where(Seat.flight_id == flight_id, Seat.seat.in_((old, new)))
               .order_by(Seat.seat).with_for_update())
    taking = sa.and_(Seat.seat == new, Seat.cabin_class == cabin_class, FREE)
    leaving = sa.and_(Seat.seat == old, Seat.order_id == order_id, Seat.status == domain.SOLD)
    is_new = Seat.seat == new
    return session.execute(
        sa.update(Seat)
        .where(Seat.flight_id == flight_id, Seat.seat.in_(locking.scalar_subquery()), sa.or_(taking, leaving))
        .values(status=sa.case((is_new, domain.SOLD), else_=domain.AVAILABLE),
                order_id=sa.case((is_new, order_id), else_=None), hold_expires_at=None)
        .returning(Seat.seat)
    ).scalars().all()


def seat_class(session, flight_id, seat):
    return session.execute(
        sa.select(Seat.cabin_class).where(Seat.flight_id == flight_id, Seat.seat == seat)
    ).scalar_one_or_none()


def set_ticket_seat(session, number, seat):
    session.execute(sa.update(Ticket).where(Ticket.number == number).values(seat=seat))


def next_sequence(session, flight_id):
    """The flight's next check-in sequence number (1, 2, ...), in one atomic upsert: its
    row stays locked until the commit, so no two check-ins get the same number."""
    counting = insert(CheckInSequence).values(flight_id=flight_id, last_sequence=1)
    return session.execute(
        counting.on_conflict_do_update(index_elements=[CheckInSequence.flight_id],
                                       set_={"last_sequence": CheckInSequence.last_sequence + 1})
        .returning(CheckInSequence.last_sequence)
    ).scalar_one()


def insert_check_in(session, **values):
    return session.execute(
        insert(CheckIn).values(state=domain.CHECKED_IN, checked_in_at=NOW, **values).returning(CheckIn)
    ).scalar_one()


def board(session, ticket_number):
    return session.execute(
        sa.update(CheckIn).where(CheckIn.ticket_number == ticket_number, CheckIn.state == domain.CHECKED_IN)
        .values(state=domain.BOARDED, boarded_at=NOW).returning(CheckIn)
    ).scalar_one()


def mark_no_shows(session, flight_id):
    """Every issued ticket of the departed flight that did not board is a no-show:
    checked in and not boarded, or never checked in. Returns how many."""
    changed = session.execute(
        sa.update(CheckIn).where(CheckIn.flight_id == flight_id, CheckIn.state == domain.CHECKED_IN)
        .values(state=domain.NO_SHOW, no_show_at=NOW)
    ).rowcount
    never_checked_in = (
        sa.select(Ticket.number, Ticket.flight_id, sa.literal(domain.NO_SHOW), NOW)
        .where(Ticket.flight_id == flight_id, Ticket.status == domain.ISSUED,
               ~sa.exists().where(CheckIn.ticket_number == Ticket.number))
    )
    added = session.execute(
        insert(CheckIn).from_select(["ticket_number", "flight_id", "state", "no_show_at"], never_checked_in)
        .on_conflict_do_nothing(index_elements=[CheckIn.ticket_number])
    ).rowcount
    return changed + added


def boarding_status(session, flight_id):
    """Every ticket of the flight with its check-in row (or ``None``), in seat order."""
    return session.execute(
        sa.select(Ticket, CheckIn).outerjoin(CheckIn, CheckIn.ticket_number == Ticket.number)
        .where(Ticket.flight_id == flight_id)
        .order_by(Ticket.seat, Ticket.number)
    ).all()


# -- check-in is open: who to tell ---------------------------------------------------------

def _seconds(value):
    return sa.func.make_interval(0, 0, 0, 0, 0, 0, float(value))


def check_in_open(opens_hours, closes_minutes):
    """The flight row's part of ``domain.check_in_refusal`` being ``None`` now, in SQL: open,
    not boarding, and within the window before its departure."""
    return sa.and_(
        Flight.status == domain.OPEN,
        sa.or_(Flight.track_status.is_(None), Flight.track_status != domain.BOARDING),
        Flight.departure_at.is_not(None),
        Flight.departure_at - _seconds(opens_hours * 3600) <= NOW,
        NOW < Flight.departure_at - _seconds(closes_minutes * 60),
    )


def _ticketed_on_open_flight(opens_hours, closes_minutes):
    return sa.and_(Order.state == domain.ORDER_TICKETED, check_in_open(opens_hours, closes_minutes))


def claim_opened_check_ins(session, opens_hours, closes_minutes, limit=500):
    """The ticketed bookings on a flight whose check-in is open and that were never
    announced, claimed by inserting their announcement: the primary key decides, so a
    replica sweeping at the same time waits for this insert and then inserts nothing.
    Returns ``[(order_id, flight_id)]``."""
    announced = sa.exists().where(CheckInAnnouncement.order_id == OrderFlight.order_id,
                                  CheckInAnnouncement.flight_id == OrderFlight.flight_id)
    due = (sa.select(OrderFlight.order_id, OrderFlight.flight_id, NOW)
           .join(Order, Order.order_id == OrderFlight.order_id)
           .join(Flight, Flight.flight_id == OrderFlight.flight_id)
           .where(_ticketed_on_open_flight(opens_hours, closes_minutes), ~announced)
           .order_by(Flight.departure_at).limit(limit))
    return [tuple(row) for row in session.execute(
        insert(CheckInAnnouncement).from_select(["order_id", "flight_id", "claimed_at"], due)
        .on_conflict_do_nothing(index_elements=[CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id])
        .returning(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id)
    )]


def reclaim_unpublished_check_ins(session, opens_hours, closes_minutes, older_than_seconds, limit=500):
    """Announcements claimed ``older_than_seconds`` ago and never published (the broker
    failed, the process died), while check-in is still open and the booking ticketed:
    claimed again for this sweep alone (``SKIP LOCKED``, and ``claimed_at`` moved to now
    keeps them from the next sweep for as long again). Returns ``[(order_id, flight_id)]``."""
    stale = (sa.select(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id)
             .join(Order, Order.order_id == CheckInAnnouncement.order_id)
             .join(Flight, Flight.flight_id == CheckInAnnouncement.flight_id)
             .where(CheckInAnnouncement.published_at.is_(None),
                    CheckInAnnouncement.claimed_at < NOW - _seconds(older_than_seconds),
                    _ticketed_on_open_flight(opens_hours, closes_minutes))
             .order_by(CheckInAnnouncement.claimed_at).limit(limit)
             .with_for_update(of=CheckInAnnouncement, skip_locked=True))
    key = sa.tuple_(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id)
    return [tuple(row) for row in session.execute(
        sa.update(CheckInAnnouncement).where(key.in_(stale)).values(claimed_at=NOW)
        .returning(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id)
    )]


def announced_bookings(session, pairs):
    """What ``check_in_opened`` says of each ``(order_id, flight_id)``: rows of the order's
    owner and the flight's departure, and the order's issued tickets on the flight
    (``{(order_id, flight_id): [numbers]}``)."""
    bookings = session.execute(
        sa.select(Order.order_id, Order.user_id, Flight.flight_id, Flight.departure_at)
        .select_from(CheckInAnnouncement)
        .join(Order, Order.order_id == CheckInAnnouncement.order_id)
        .join(Flight, Flight.flight_id == CheckInAnnouncement.flight_id)
        .where(sa.tuple_(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id).in_(pairs))
        .order_by(Order.order_id, Flight.flight_id)
    ).all()
    numbers = {}
    for order_id, flight_id, number in session.execute(
        sa.select(Ticket.order_id, Ticket.flight_id, Ticket.number)
        .where(sa.tuple_(Ticket.order_id, Ticket.flight_id).in_(pairs), Ticket.status == domain.ISSUED)
        .order_by(Ticket.number)
    ):
        numbers.setdefault((order_id, flight_id), []).append(number)
    return bookings, numbers


def mark_check_ins_announced(session, pairs):
    if pairs:
        session.execute(
            sa.update(CheckInAnnouncement)
            .where(sa.tuple_(CheckInAnnouncement.order_id, CheckInAnnouncement.flight_id).in_(pairs))
            .values(published_at=NOW)
        )
