"""Tables owned by the track service (PostgreSQL). Times are timestamptz, in UTC."""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from track.domain import SCHEDULED


class Base(DeclarativeBase):
    pass


class Airport(Base):
    __tablename__ = "airports"

    code: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    city: Mapped[str] = mapped_column(sa.String(128))
    country: Mapped[str] = mapped_column(sa.String(2))
    tz: Mapped[str] = mapped_column(sa.String(64))


class Flight(Base):
    __tablename__ = "flights"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    flight_number: Mapped[str] = mapped_column(sa.String(8))
    airplane_id: Mapped[str] = mapped_column(sa.String(36))
    origin: Mapped[str] = mapped_column(sa.String(3), sa.ForeignKey("airports.code"))
    destination: Mapped[str] = mapped_column(sa.String(3), sa.ForeignKey("airports.code"))
    departure_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    arrival_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # the times first scheduled: a delay moves departure_at/arrival_at, never these
    scheduled_departure_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    scheduled_arrival_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(16), default=SCHEDULED)
    # the standard price per cabin: what ticket prices seats at (``flight_scheduled``)
    fares: Mapped[dict] = mapped_column(JSONB)
    # every fare family's price per cabin, ``{cabin: {family: amount}}`` (standard included)
    fares_by_family: Mapped[dict] = mapped_column(JSONB)
    currency: Mapped[str] = mapped_column(sa.String(3))
    seat_counts: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())

    __table_args__ = (
        # search: equality on the route, range + keyset order on (departure_at, id)
        sa.Index("ix_flights_route_departure", "origin", "destination", "departure_at", "id"),
        # trip search: a connection's first leg (any destination from the origin on a day)
        sa.Index("ix_flights_origin_departure", "origin", "departure_at"),
        # "is this airplane busy then?"
        sa.Index("ix_flights_airplane_departure", "airplane_id", "departure_at"),
        # the airport boards: a local day of scheduled times at one airport, keyset on id
        sa.Index("ix_flights_departures_board", "origin", "scheduled_departure_at", "id"),
        sa.Index("ix_flights_arrivals_board", "destination", "scheduled_arrival_at", "id"),
        # status by flight number and date
        sa.Index("ix_flights_number_scheduled", "flight_number", "scheduled_departure_at"),
        sa.UniqueConstraint("flight_number", "departure_at", name="uq_flights_number_departure"),
        sa.CheckConstraint("arrival_at > departure_at", name="ck_flights_arrival_after_departure"),
        sa.CheckConstraint("origin <> destination", name="ck_flights_distinct_airports"),
    )


class FareFamily(Base):
    """A fare family and its rules, the same in every cabin. Fees are percent of the fare paid."""

    __tablename__ = "fare_families"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    # the order families are shown in; a higher rank never costs less on a flight
    rank: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    refundable: Mapped[bool] = mapped_column(sa.Boolean)
    refund_fee_percent: Mapped[int] = mapped_column(sa.SmallInteger)
    changeable: Mapped[bool] = mapped_column(sa.Boolean)
    change_fee_percent: Mapped[int] = mapped_column(sa.SmallInteger)
    free_seat_choice: Mapped[bool] = mapped_column(sa.Boolean)
    checked_bag_kg: Mapped[int] = mapped_column(sa.SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class OutboxEvent(Base):
    """Events decided with a change, published after its commit (common/outbox.py)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=True)

    __table_args__ = (
        # the relay's question: what is still unpublished, oldest first
        sa.Index("ix_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
    )


class FlightAvailability(Base):
    """Track's copy of ticket's free seats of a flight, what search reads:
    ``classes`` is ``{cabin class: {available, price}}``, ``version`` ticket's (counts
    with a lower version than the one kept are older and ignored). A flight without a
    row is read as its seat layout, all free (migration 0009)."""

    __tablename__ = "flight_availability"

    flight_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("flights.id"), primary_key=True)
    classes: Mapped[dict] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class ScheduleConflict(Base):
    """A knock-on conflict a delay made (``track/disruptions.py``), for the admins:
    the delayed flight now overlaps its airplane's next flight (turnaround included)
    or one of the airplane's maintenance windows. One row per (flight, kind, subject):
    found again, it is updated, not repeated."""

    __tablename__ = "schedule_conflicts"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    flight_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    flight_number: Mapped[str] = mapped_column(sa.String(8))
    airplane_id: Mapped[str] = mapped_column(sa.String(36))
    # airplane_busy (the airplane's next flight) or maintenance (a maintenance window)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # the other flight's id or the maintenance window's id
    subject: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(JSONB)
    detected_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        sa.UniqueConstraint("flight_id", "kind", "subject", name="uq_schedule_conflicts_subject"),
    )
