"""E-tickets: issuing them when an order is paid, cancelling them, and the events that say so.

Each change of an order and the event it calls for are written in one transaction
(``orders.pending_event``, a small outbox); the service publishes after the commit
and then clears it. A replayed message finds the change made and does nothing; an
event left pending (the broker failed after the commit, the process died) is
published by the service's timer, so it is never lost, and never sent twice by
concurrent deliveries of the same message.
"""
from collections import namedtuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from common.errors import NotFound
from ticket import domain, inventory
from ticket.models import TICKET_SERIAL, Order, Ticket
from ticket.schemas import dump_ticket

NOW = inventory.NOW

Announcement = namedtuple("Announcement", "order_id event_type payload")


def issue_tickets(session, event, airline_prefix):
    """``order_paid``: the order's seats sold and one ticket per passenger, or, when
    the seats cannot be had any more, no tickets and a ``tickets_cancelled``
    (``hold_lost``) so the payment is refunded."""
    order_id, flight_id = event["order_id"], event["flight_id"]
    flight = inventory.lock_flight(session, flight_id)
    order = inventory.claim_order(session, order_id, flight_id, state=domain.ORDER_HELD, user_id=event["user_id"])
    if order.paid:
        return []
    if order.state != domain.ORDER_HELD or flight is None or flight.status != domain.OPEN:
        return close(session, order, domain.REASON_HOLD_LOST, paid=True)

    seats = [p["seat"] for p in event["passengers"]]
    rows = {r.seat: r for r in inventory.lock_seats(session, flight_id, seats)}
    # its own hold, even lapsed, or a seat nobody took meanwhile: the customer has paid
    if any(s not in rows or not (rows[s].free or rows[s].order_id == order_id and rows[s].status == domain.HELD)
           for s in seats):
        return close(session, order, domain.REASON_HOLD_LOST, paid=True)

    session.execute(
        sa.update(inventory.Seat)
        .where(inventory.Seat.flight_id == flight_id, inventory.Seat.seat.in_(seats))
        .values(status=domain.SOLD, order_id=order_id, hold_expires_at=None)
    )
    serials = session.execute(sa.select(TICKET_SERIAL.next_value()).select_from(
        sa.func.generate_series(1, len(seats)))).scalars().all()
    tickets = session.execute(
        insert(Ticket).values([
            {"number": domain.ticket_number(airline_prefix, serial), "order_id": order_id,
             "user_id": event["user_id"], "flight_id": flight_id, "passenger_name": passenger["name"],
             "seat": passenger["seat"], "cabin_class": rows[passenger["seat"]].cabin_class,
             "fare": rows[passenger["seat"]].price, "currency": flight.currency}
            for passenger, serial in zip(event["passengers"], serials)
        ]).returning(Ticket)
    ).scalars().all()
    _set_order(session, order_id, state=domain.ORDER_TICKETED, paid=True, user_id=event["user_id"],
               pending_event=domain.TICKETS_ISSUED)
    return [Announcement(order_id, domain.TICKETS_ISSUED, _issued_payload(order_id, flight_id, event["user_id"], tickets))]


def close_order(session, event):
    """``order_cancelled`` / ``order_expired``: holds released, or tickets cancelled.
    Remembered, so an ``order_paid`` arriving later issues nothing (and refunds)."""
    order_id = event["order_id"]
    flight_id = event["flight_id"] or session.execute(
        sa.select(Order.flight_id).where(Order.order_id == order_id)).scalar()
    if flight_id is None:
        return []
    # order cancels its bookings on a cancelled flight too, maybe before track's event reaches us
    reason = domain.REASON_FLIGHT_CANCELLED if event["reason"] == "flight_cancelled" else domain.REASON_ORDER_CANCELLED
    inventory.lock_flight(session, flight_id)
    order = inventory.claim_order(
        session, order_id, flight_id, state=domain.ORDER_CLOSED, reason=reason,
        paid=event["paid"], pending_event=domain.TICKETS_CANCELLED if event["paid"] else None,
    )
    if order.created:
        return _refund_announcement(order_id, flight_id, [], reason, event["paid"])
    if order.state == domain.ORDER_CLOSED and (order.paid or not event["paid"]):
        return []
    return close(session, order, reason, paid=order.paid or event["paid"])


def close(session, order, reason, paid):
    """End a (locked) order: tickets cancelled, seats back on sale; a paid order is
    announced as ``tickets_cancelled`` so its payment is refunded."""
    numbers = []
    if order.state == domain.ORDER_TICKETED:
        numbers = session.execute(
            sa.update(Ticket)
            .where(Ticket.order_id == order.order_id, Ticket.status == domain.ISSUED)
            .values(status=domain.CANCELLED, cancelled_at=NOW)
            .returning(Ticket.number)
        ).scalars().all()
    if order.state != domain.ORDER_CLOSED:
        inventory.release_seats(session, order.flight_id, order.order_id, (domain.HELD, domain.SOLD))
    _set_order(session, order.order_id, state=domain.ORDER_CLOSED, reason=reason, paid=paid,
               pending_event=domain.TICKETS_CANCELLED if paid else None)
    return _refund_announcement(order.order_id, order.flight_id, sorted(numbers), reason, paid)


def _refund_announcement(order_id, flight_id, numbers, reason, paid):
    if not paid:
        return []
    return [Announcement(order_id, domain.TICKETS_CANCELLED, _cancelled_payload(order_id, flight_id, numbers, reason))]


def cancel_flight(session, flight_id):
    """``flight_cancelled``: booking closed, every hold released, every ticket cancelled,
    one ``tickets_cancelled`` per paid order."""
    inventory.close_flight(session, flight_id, "cancelled")
    orders = session.execute(
        sa.update(Order)
        .where(Order.flight_id == flight_id, Order.state != domain.ORDER_CLOSED)
        .values(state=domain.ORDER_CLOSED, reason=domain.REASON_FLIGHT_CANCELLED, updated_at=NOW,
                pending_event=sa.case((Order.paid, domain.TICKETS_CANCELLED), else_=None))
        .returning(Order.order_id)
    ).scalars().all()
    session.execute(
        sa.update(Ticket)
        .where(Ticket.flight_id == flight_id, Ticket.status == domain.ISSUED)
        .values(status=domain.CANCELLED, cancelled_at=NOW)
    )
    session.execute(
        sa.update(inventory.Seat)
        .where(inventory.Seat.flight_id == flight_id, inventory.Seat.status != domain.AVAILABLE)
        .values(**inventory.RELEASED)
    )
    return pending(session, order_ids=orders)


def _set_order(session, order_id, **values):
    session.execute(sa.update(Order).where(Order.order_id == order_id).values(updated_at=NOW, **values))


def _issued_payload(order_id, flight_id, user_id, tickets):
    return {"order_id": order_id, "flight_id": flight_id, "user_id": user_id,
            "tickets": [dump_ticket(t) for t in sorted(tickets, key=lambda t: t.number)]}


def _cancelled_payload(order_id, flight_id, numbers, reason):
    return {"order_id": order_id, "flight_id": flight_id, "ticket_numbers": numbers, "reason": reason}


# -- the outbox -------------------------------------------------------------------------

def pending(session, order_ids=None, flight_id=None, older_than_seconds=None):
    """Events decided but not yet published, rebuilt from the tables."""
    query = sa.select(Order).where(Order.pending_event.is_not(None))
    if order_ids is not None:
        query = query.where(Order.order_id.in_(order_ids))
    if flight_id is not None:
        query = query.where(Order.flight_id == flight_id)
    if older_than_seconds is not None:
        query = query.where(Order.updated_at < NOW - sa.func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds))
    orders = session.execute(query.order_by(Order.order_id).limit(1000)).scalars().all()
    if not orders:
        return []
    tickets = {}
    for ticket in session.execute(
        sa.select(Ticket).where(Ticket.order_id.in_([o.order_id for o in orders])).order_by(Ticket.number)
    ).scalars():
        tickets.setdefault(ticket.order_id, []).append(ticket)
    announcements = []
    for order in orders:
        own = tickets.get(order.order_id, [])
        if order.pending_event == domain.TICKETS_ISSUED:
            payload = _issued_payload(order.order_id, order.flight_id, order.user_id,
                                      [t for t in own if t.status == domain.ISSUED])
        else:
            payload = _cancelled_payload(order.order_id, order.flight_id,
                                         [t.number for t in own if t.status == domain.CANCELLED], order.reason)
        announcements.append(Announcement(order.order_id, order.pending_event, payload))
    return announcements


def mark_published(session, announcements):
    if announcements:
        session.execute(
            sa.update(Order)
            .where(sa.tuple_(Order.order_id, Order.pending_event).in_(
                [(a.order_id, a.event_type) for a in announcements]))
            .values(pending_event=None)
        )


# -- reading ----------------------------------------------------------------------------

def get_ticket(session, number, user_id):
    ticket = session.get(Ticket, str(number))
    if ticket is None or ticket.user_id != str(user_id):
        raise NotFound("No such ticket.", details={"ticket_number": number})
    return dump_ticket(ticket)


def list_tickets(session, *conditions):
    tickets = session.execute(
        sa.select(Ticket).where(*conditions).order_by(Ticket.issued_at.desc(), Ticket.number)
    ).scalars()
    return [dump_ticket(t) for t in tickets]


def tickets_of_user(session, user_id):
    return list_tickets(session, Ticket.user_id == str(user_id))


def tickets_of_order(session, order_id):
    return list_tickets(session, Ticket.order_id == str(order_id))
