"""E-tickets: issuing them when an order is paid, cancelling them, and the events that say so.

Each change of an order and the event it calls for are written in one transaction
(``orders.pending_event``, a small outbox); the service publishes after the commit
and then clears it. A replayed message finds the change made and does nothing; an
event left pending (the broker failed after the commit, the process died) is
published by the service's timer, so it is never lost, and never sent twice by
concurrent deliveries of the same message.

Every function takes a SQLAlchemy session, leaves the commit to the caller and
returns the ``domain.Announcement`` list to publish after it.
"""
from common.errors import NotFound
from ticket import domain, holds, store
from ticket.domain import Announcement
from ticket.schemas import dump_ticket, dump_tickets, tickets_page


def issue_tickets(session, event, airline_prefix):
    """``order_paid``: the order's seats on every flight sold and one ticket per passenger
    per flight (an infant's without a seat), or, when a seat cannot be had any more
    (``hold_lost``) or a flight has left or is boarding (``flight_departed``), no
    tickets, every seat released and a ``tickets_cancelled`` so the payment is refunded."""
    order_id, segments = event["order_id"], event["segments"]
    flight_ids = [segment["flight_id"] for segment in segments]
    flights = holds.lock_flights(session, flight_ids)
    order = store.claim_order(session, order_id, flight_ids[0], state=domain.ORDER_HELD, user_id=event["user_id"])
    if order.paid:
        return []
    refused = next(filter(None, (domain.refusal_of_ticketing(order.state, flights[f]) for f in flight_ids)), None)
    if refused:
        return close(session, order, refused, paid=True)

    wanted = {segment["flight_id"]: [p["seat"] for p in segment["passengers"] if p["seat"]] for segment in segments}
    rows = {(r.flight_id, r.seat): r for r in store.lock_itinerary_seats(session, wanted)}
    # its own hold, even lapsed, or a seat nobody took meanwhile: the customer has paid
    if any((f, s) not in rows or not domain.seat_is_free_for(order_id, rows[f, s], rows[f, s].now)
           for f, seats in wanted.items() for s in seats):
        return close(session, order, domain.REASON_HOLD_LOST, paid=True)

    for flight_id, seats in wanted.items():
        store.sell_seats(session, flight_id, order_id, seats)
    passengers = [(segment["flight_id"], p) for segment in segments for p in segment["passengers"]]
    serials = store.next_serials(session, len(passengers))
    tickets = store.insert_tickets(session, [
        ticket_row(airline_prefix, serial, event, flight_id, passenger, rows.get((flight_id, passenger["seat"])),
                   flights[flight_id].currency)
        for (flight_id, passenger), serial in zip(passengers, serials)
    ])
    store.set_order(session, order_id, state=domain.ORDER_TICKETED, paid=True, user_id=event["user_id"],
                    pending_event=domain.TICKETS_ISSUED)
    payload = issued_payload(order_id, flight_ids[0], event["user_id"], tickets) | booking_told(event, flight_ids)
    return [Announcement(order_id, domain.TICKETS_ISSUED, payload)]


def booking_told(event, flight_ids):
    """What ``tickets_issued`` passes on of ``order_paid``'s booking (reference, amount paid,
    the flights in travel order), so notify's e-tickets email needs no ``order.get_order``.
    Nothing when order did not say (an older event); nor when the event is rebuilt from the
    tables by the relay (``pending``), which do not keep it: notify then asks order."""
    if not event.get("booking_ref") or event.get("amount") is None or not event.get("currency"):
        return {}
    return {"booking_ref": event["booking_ref"], "amount": event["amount"], "currency": event["currency"],
            "flight_ids": flight_ids}


def ticket_row(airline_prefix, serial, event, flight_id, passenger, seat_row, currency):
    """A ticket of ``passenger`` on ``flight_id``: the fare order priced (a share of the
    seat's for a child or an infant), else the seat's; an infant's class is the one
    order gives (its adult's)."""
    fare = passenger["fare"] if passenger["fare"] is not None else seat_row.price
    return {"number": domain.ticket_number(airline_prefix, serial), "order_id": event["order_id"],
            "user_id": event["user_id"], "flight_id": flight_id, "passenger_name": passenger["name"],
            "passenger_type": passenger["type"], "passenger_index": passenger["index"],
            "seat": passenger["seat"], "cabin_class": seat_row.cabin_class if seat_row else passenger["cabin_class"],
            "fare": fare, "currency": currency}


def close_order(session, event):
    """``order_cancelled`` / ``order_expired``: holds released, or tickets cancelled, on
    every flight of the order. Remembered, so an ``order_paid`` arriving later issues
    nothing (and refunds)."""
    order_id = event["order_id"]
    flight_ids = store.flights_of_order(session, order_id) or event["flight_ids"]
    if not flight_ids:
        return []
    # order cancels its bookings on a cancelled flight too, maybe before track's event reaches us
    # the airline's reasons (a cancelled flight, a disruption) go on to the refund; the amount is order's
    reason = event["reason"] if event["reason"] in domain.KEPT_CLOSING_REASONS else domain.REASON_ORDER_CANCELLED
    refund_amount = event.get("refund_amount") if event["paid"] else None
    holds.lock_flights(session, flight_ids)
    order = store.claim_order(
        session, order_id, flight_ids[0], state=domain.ORDER_CLOSED, reason=reason, refund_amount=refund_amount,
        paid=event["paid"], pending_event=domain.TICKETS_CANCELLED if event["paid"] else None,
    )
    if order.created:
        return _refund_announcement(order_id, flight_ids[0], [], reason, event["paid"], refund_amount)
    if order.state == domain.ORDER_CLOSED and (order.paid or not event["paid"]):
        return []
    return close(session, order, reason, paid=order.paid or event["paid"], refund_amount=refund_amount)


def give_up_ticketing(session, order_id, flight_id):
    """An ``order_paid`` that failed every time (dead-lettered): the paid order is
    closed without tickets, its seats released, and ``tickets_cancelled``
    (``ticketing_failed``) announced so the money goes back. Nothing if the order
    was ticketed or refunded meanwhile."""
    flight_ids = store.flights_of_order(session, order_id) or ([flight_id] if flight_id else [])
    if not flight_ids:
        return []
    holds.lock_flights(session, flight_ids)
    order = store.claim_order(
        session, order_id, flight_ids[0], state=domain.ORDER_CLOSED, reason=domain.REASON_TICKETING_FAILED,
        paid=True, pending_event=domain.TICKETS_CANCELLED,
    )
    if order.created:
        return _refund_announcement(order_id, flight_ids[0], [], domain.REASON_TICKETING_FAILED, True)
    if order.paid:
        return []
    return close(session, order, domain.REASON_TICKETING_FAILED, paid=True)


def close(session, order, reason, paid, refund_amount=None):
    """End a (locked) order: tickets cancelled, seats on every flight back on sale; a
    paid order is announced as ``tickets_cancelled`` so its payment is refunded
    (``refund_amount`` of it when order's fare rules said so, else all of it)."""
    numbers = []
    if order.state == domain.ORDER_TICKETED:
        numbers = store.cancel_tickets_of_order(session, order.order_id)
    if order.state != domain.ORDER_CLOSED:
        store.release_order_seats(session, order.order_id, (domain.HELD, domain.SOLD))
    store.set_order(session, order.order_id, state=domain.ORDER_CLOSED, reason=reason, paid=paid,
                    refund_amount=refund_amount, pending_event=domain.TICKETS_CANCELLED if paid else None)
    return _refund_announcement(order.order_id, order.flight_id, sorted(numbers), reason, paid, refund_amount)


def _refund_announcement(order_id, flight_id, numbers, reason, paid, refund_amount=None):
    if not paid:
        return []
    return [Announcement(order_id, domain.TICKETS_CANCELLED,
                         cancelled_payload(order_id, flight_id, numbers, reason, refund_amount))]


def cancel_flight(session, flight_id):
    """``flight_cancelled``: booking closed, every hold released, every ticket cancelled,
    one ``tickets_cancelled`` per paid order (an itinerary through the flight is
    cancelled whole)."""
    store.close_flight(session, flight_id, "cancelled")
    orders = store.close_orders_of_flight(session, flight_id)
    # the whole of each order: its tickets and seats on its other flights too
    store.cancel_tickets_of_orders(session, orders)
    store.release_order_seats(session, orders, (domain.HELD, domain.SOLD))
    store.cancel_tickets_of_flight(session, flight_id)
    store.release_flight(session, flight_id)
    return pending(session, order_ids=orders)


def issued_payload(order_id, flight_id, user_id, tickets):
    return {"order_id": order_id, "flight_id": flight_id, "user_id": user_id,
            "tickets": dump_tickets(sorted(tickets, key=lambda t: t.number))}


def cancelled_payload(order_id, flight_id, numbers, reason, refund_amount=None):
    """Announced only for a paid order (``paid`` says so to the consumers); no
    ``ticket_numbers`` when it was never ticketed. ``refund_amount`` (what the fare rules
    give back of an order its customer cancelled) only when order gave one: without it,
    the whole payment is refunded."""
    payload = {"order_id": order_id, "flight_id": flight_id, "ticket_numbers": numbers, "reason": reason,
               "paid": True}
    return payload if refund_amount is None else dict(payload, refund_amount=refund_amount)


# events claimed by one relay at a time: each batch is published and marked well within
# the claim's ``older_than_seconds``, so another replica's relay never takes it over meanwhile
RELAY_BATCH = 100


def relay(session, older_than_seconds):
    """Up to ``RELAY_BATCH`` events left pending ``older_than_seconds`` (the broker failed
    after the commit, the process died), claimed for this relay alone (``store.claim_stuck_orders``)."""
    claimed = store.claim_stuck_orders(session, older_than_seconds, limit=RELAY_BATCH)
    return pending(session, order_ids=claimed) if claimed else []


def pending(session, order_ids):
    """Events decided but not yet published, rebuilt from the tables."""
    orders, tickets = store.pending_orders(session, order_ids)
    announcements = []
    for order in orders:
        own = tickets.get(order.order_id, [])
        if order.pending_event == domain.TICKETS_ISSUED:
            payload = issued_payload(order.order_id, order.flight_id, order.user_id,
                                     [t for t in own if t.status == domain.ISSUED])
        else:
            payload = cancelled_payload(order.order_id, order.flight_id,
                                        [t.number for t in own if t.status == domain.CANCELLED], order.reason,
                                        order.refund_amount)
        announcements.append(Announcement(order.order_id, order.pending_event, payload))
    return announcements


# -- reading ----------------------------------------------------------------------------

def ticket_of_user(session, number, user_id):
    """One ticket, to its owner only: anyone else is told it does not exist."""
    ticket = store.ticket(session, number)
    if ticket is None or ticket.user_id != str(user_id):
        raise NotFound("No such ticket.", details={"ticket_number": number})
    return dump_ticket(ticket)


def tickets_of_user(session, user_id, page):
    """``page``: a loaded ``TicketPageQuerySchema``; answers ``TicketListSchema``."""
    return tickets_page(store.tickets_of_user(session, user_id, page["limit"] + 1, page["after"]), page["limit"])


def tickets_of_order(session, order_id):
    return dump_tickets(store.tickets_of_order(session, order_id))
