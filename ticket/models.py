"""Tables owned by the ticket service (the migrations in ``migrations/versions`` create them).

- ``flights``: one row per flight known from track: bookable (open) or not (closed).
- ``seats``: the inventory, one row per seat of a flight; ``status`` with the order
  holding or owning it and, for a hold, when it lapses.
- ``orders``: what this service knows of each order (held, ticketed, closed), and the
  event it still has to publish for it (a small outbox). ``flight_id`` is its first flight.
- ``order_flights``: every flight of an order (one row per segment of an itinerary).
- ``tickets``: issued e-tickets, one per passenger per flight; at most one issued ticket
  per seat of a flight (an infant's ticket has no seat).
- ``check_ins``: a ticket at departure (checked in with its boarding pass, boarded, no-show);
  ``check_in_sequences``: the last check-in sequence number of each flight.
- ``ticket_exchanges``: every voluntary change done (its id, from order), so a retried
  ``exchange_tickets`` answers what the first one did.
- ``check_in_announcements``: the bookings told that check-in for one of their flights
  is open (``check_in_opened``): claimed by a sweep, then published.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TICKET_SERIAL = sa.Sequence("ticket_serial", start=1)


class Base(DeclarativeBase):
    pass


def _timestamp(**kwargs):
    return mapped_column(sa.DateTime(timezone=True), **kwargs)


class Flight(Base):
    __tablename__ = "flights"

    flight_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(8), nullable=False, server_default="open")
    closed_reason: Mapped[str | None] = mapped_column(sa.String(16))
    # track's latest status of an open flight (boarding stops booking until it changes)
    track_status: Mapped[str | None] = mapped_column(sa.String(16))
    # unknown when a cancellation arrived before the schedule (events out of order)
    departure_at: Mapped[datetime | None] = _timestamp()
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    # the airplane the seats were last rebuilt for by a swap (None: as scheduled)
    airplane_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = _timestamp(nullable=False, server_default=sa.func.now())

    __table_args__ = (sa.CheckConstraint("status IN ('open', 'closed')", name="ck_flights_status"),)


class Seat(Base):
    __tablename__ = "seats"

    flight_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True)
    seat: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    row: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    letter: Mapped[str] = mapped_column(sa.String(4), nullable=False)
    cabin_class: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    price: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, server_default="available")
    order_id: Mapped[str | None] = mapped_column(sa.String(64))
    hold_expires_at: Mapped[datetime | None] = _timestamp()

    __table_args__ = (
        sa.CheckConstraint("status IN ('available', 'held', 'sold')", name="ck_seats_status"),
        sa.CheckConstraint(
            "(status = 'available' AND order_id IS NULL AND hold_expires_at IS NULL)"
            " OR (status = 'held' AND order_id IS NOT NULL AND hold_expires_at IS NOT NULL)"
            " OR (status = 'sold' AND order_id IS NOT NULL AND hold_expires_at IS NULL)",
            name="ck_seats_owner",
        ),
        # availability (GROUP BY flight, class) and auto-assignment (one class of a flight)
        sa.Index("ix_seats_flight_class_status", "flight_id", "cabin_class", "status"),
        sa.Index("ix_seats_order", "order_id", postgresql_where=sa.text("order_id IS NOT NULL")),
        # the sweeper: only holds are indexed
        sa.Index("ix_seats_hold_expiry", "hold_expires_at", postgresql_where=sa.text("status = 'held'")),
    )


class Order(Base):
    __tablename__ = "orders"

    order_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flight_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    paid: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, server_default=sa.false())
    hold_expires_at: Mapped[datetime | None] = _timestamp()
    reason: Mapped[str | None] = mapped_column(sa.String(20))
    # what order's fare rules refund of a cancelled order (NULL: the whole payment)
    refund_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    # the event decided in the same transaction as the change, cleared once published
    pending_event: Mapped[str | None] = mapped_column(sa.String(20))
    updated_at: Mapped[datetime] = _timestamp(nullable=False, server_default=sa.func.now())

    __table_args__ = (
        sa.CheckConstraint("state IN ('held', 'ticketed', 'closed')", name="ck_orders_state"),
        sa.CheckConstraint("refund_amount >= 0", name="ck_orders_refund_amount"),
        sa.Index("ix_orders_pending", "updated_at", postgresql_where=sa.text("pending_event IS NOT NULL")),
    )


class OrderFlight(Base):
    __tablename__ = "order_flights"

    order_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flight_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False, server_default="0")

    __table_args__ = (sa.Index("ix_order_flights_flight", "flight_id"),)


class Ticket(Base):
    __tablename__ = "tickets"

    number: Mapped[str] = mapped_column(sa.String(13), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    flight_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    passenger_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    seat: Mapped[str | None] = mapped_column(sa.String(8))
    passenger_type: Mapped[str] = mapped_column(sa.String(8), nullable=False, server_default="adult")
    # the passenger's place in the order (None for tickets issued before itineraries)
    passenger_index: Mapped[int | None] = mapped_column(sa.SmallInteger)
    cabin_class: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    fare: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, server_default="issued")
    issued_at: Mapped[datetime] = _timestamp(nullable=False, server_default=sa.func.now())
    cancelled_at: Mapped[datetime | None] = _timestamp()

    __table_args__ = (
        sa.CheckConstraint("status IN ('issued', 'cancelled', 'exchanged')", name="ck_tickets_status"),
        sa.CheckConstraint("number ~ '^[0-9]{13}$'", name="ck_tickets_number"),
        sa.CheckConstraint("passenger_type IN ('adult', 'child', 'infant')", name="ck_tickets_passenger_type"),
        sa.CheckConstraint("seat IS NOT NULL OR passenger_type = 'infant'", name="ck_tickets_seat"),
        # the last line of defence: one valid ticket per seat of a flight
        sa.Index("uq_tickets_issued_seat", "flight_id", "seat", unique=True,
                 postgresql_where=sa.text("status = 'issued'")),
    )


class CheckInSequence(Base):
    """The last check-in sequence number given out on a flight (one row per flight)."""

    __tablename__ = "check_in_sequences"

    flight_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class CheckIn(Base):
    """A ticket at departure: checked in (with its boarding pass), boarded, or a no-show
    (never boarded when the flight left; a no-show who never checked in has no pass)."""

    __tablename__ = "check_ins"

    ticket_number: Mapped[str] = mapped_column(sa.String(13), sa.ForeignKey("tickets.number"), primary_key=True)
    flight_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    state: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    sequence: Mapped[int | None] = mapped_column(sa.Integer)
    booking_ref: Mapped[str | None] = mapped_column(sa.String(16))
    # the IATA BCBP string, fixed at check-in: a repeated check-in answers the same pass
    bcbp: Mapped[str | None] = mapped_column(sa.Text)
    flight_number: Mapped[str | None] = mapped_column(sa.String(8))
    origin: Mapped[str | None] = mapped_column(sa.String(3))
    destination: Mapped[str | None] = mapped_column(sa.String(3))
    checked_in_at: Mapped[datetime | None] = _timestamp()
    boarded_at: Mapped[datetime | None] = _timestamp()
    no_show_at: Mapped[datetime | None] = _timestamp()

    __table_args__ = (
        sa.CheckConstraint("state IN ('checked_in', 'boarded', 'no_show')", name="ck_check_ins_state"),
        sa.CheckConstraint(
            "(state = 'no_show' AND no_show_at IS NOT NULL AND boarded_at IS NULL)"
            " OR (state IN ('checked_in', 'boarded') AND sequence IS NOT NULL AND bcbp IS NOT NULL"
            " AND checked_in_at IS NOT NULL AND (state = 'checked_in') = (boarded_at IS NULL))",
            name="ck_check_ins_steps",
        ),
        sa.UniqueConstraint("flight_id", "sequence", name="uq_check_ins_flight_sequence"),
    )


class CheckInAnnouncement(Base):
    """``check_in_opened`` of one booking's flight: inserted when a sweep claims it (the
    primary key makes it once, whichever replica sweeps), ``published_at`` once the
    broker took it; a claim left unpublished is claimed again after a while."""

    __tablename__ = "check_in_announcements"

    order_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flight_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    claimed_at: Mapped[datetime] = _timestamp(nullable=False)
    published_at: Mapped[datetime | None] = _timestamp()

    __table_args__ = (
        sa.Index("ix_check_in_announcements_unpublished", "claimed_at",
                 postgresql_where=sa.text("published_at IS NULL")),
    )


class TicketExchange(Base):
    """One voluntary change of an order's flight, done once: the old tickets ``exchanged``,
    new ones issued on ``new_flight_id`` in the same transaction."""

    __tablename__ = "ticket_exchanges"

    change_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    old_flight_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    new_flight_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    old_numbers: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    new_numbers: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = _timestamp(nullable=False, server_default=sa.func.now())


class AvailabilityCount(Base):
    """Seats and free seats per (flight, cabin class), kept by triggers on ``seats``
    (migration 0009); ``version`` grows with every change, its flight's bookability included."""

    __tablename__ = "availability_counts"

    flight_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("flights.flight_id"), primary_key=True)
    cabin_class: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    seats: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    free: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    price: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)

    __table_args__ = (sa.Index("ix_availability_counts_version", "version"),)


class OutboxEvent(Base):
    """Events an aircraft swap decides (``ticket/swap.py``), published after its commit
    (common/outbox.py)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)

    __table_args__ = (
        sa.Index("ix_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
    )
