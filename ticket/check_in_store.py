"""The ticket service's database work for check-in, boarding and no-shows (the rest of
``store.py``, kept apart). Every function takes a SQLAlchemy session and leaves the
commit to the caller.

Lock order, the one of ``store.py`` extended: the flight row (``FOR SHARE``; a
departure takes it exclusively) -> the order row -> the ticket row -> seat rows in
seat order -> the flight's check-in sequence -> the check-in row.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ticket import domain
from ticket.models import CheckIn, CheckInSequence, Seat, Ticket
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
