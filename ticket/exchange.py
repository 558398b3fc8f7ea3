"""Exchanging tickets: a voluntary change moves one segment of a ticketed order to
another flight (order's change saga, ``order.changes``, asks for it once the change is
accepted).

One transaction, or nothing: the new seats taken (sold to the order at once: the row
locks of this transaction are the hold, so two changes racing for a seat cannot both
have it), the old tickets ``exchanged``, new 13-digit tickets issued on the new flight
(same passengers; each at its type's fare on the new flight as order priced the change,
``fares``, or the old ticket's fare if none was given), the old seats back on sale, the order's segment moved,
and the exchange remembered under its change id: a retry (a timeout, a resumed saga)
answers what the first call did and changes nothing.

Locks follow ``store``'s order: the two flights' rows ``FOR SHARE`` in ``flight_id``
order (a cancellation of the new flight waits for the exchange, or the exchange sees
the flight closed), the order row, then the seats flight by flight in ``flight_id``
order.
"""
from common.errors import Conflict
from ticket import domain, holds, store
from ticket.schemas import dump_tickets


class Sale:
    """What ``store.take_seats`` writes on a seat taken by an exchange: sold to the order."""

    def __init__(self, order_id, flight_id):
        self.order_id, self.flight_id = order_id, flight_id

    def values(self):
        return {"status": domain.SOLD, "order_id": self.order_id, "hold_expires_at": None}


def exchange_tickets(session, request, airline_prefix):
    change_id, order_id = request["change_id"], request["order_id"]
    old_flight_id, new_flight_id = request["old_flight_id"], request["new_flight_id"]
    done = store.exchange_of(session, change_id)
    if done is not None:
        return exchange_answer(session, done)
    flights = holds.lock_flights(session, [old_flight_id, new_flight_id])
    holds.check_open_for_booking(flights[new_flight_id], new_flight_id)
    order = store.lock_order(session, order_id)
    done = store.exchange_of(session, change_id)  # a twin call that held the order's lock first
    if done is not None:
        return exchange_answer(session, done)
    if order is None or order.state != domain.ORDER_TICKETED:
        raise Conflict("This order has no tickets to exchange (cancelled or refunded meanwhile).",
                       code="ORDER_NOT_TICKETED", details={"order_id": order_id})
    flight_ids = store.flights_of_order(session, order_id)
    if old_flight_id not in flight_ids or new_flight_id in flight_ids:
        raise Conflict("The order is not on that flight any more.", code="SEGMENT_MOVED",
                       details={"order_id": order_id, "flight_id": old_flight_id})
    # an aircraft swap that displaced the booking cancelled its tickets on that flight and
    # left the order ticketed (nothing else does): the disruption's move exchanges those
    old = (store.tickets_on(session, order_id, old_flight_id, domain.ISSUED)
           or store.tickets_on(session, order_id, old_flight_id, domain.CANCELLED))
    new_seat_of = {move["seat"]: move["new_seat"] for move in request["moves"]}
    new_fares = request.get("fares") or {}
    if sorted(t.seat for t in old if t.seat) != sorted(new_seat_of):
        raise Conflict("The order's seats on that flight are not the ones asked to move.", code="SEGMENT_MOVED",
                       details={"order_id": order_id, "flight_id": old_flight_id})

    def take_new_seats():
        sale = Sale(order_id, new_flight_id)
        named = [seat for seat in new_seat_of.values() if seat]
        got = holds.take_named_seats(session, sale, named, request["cabin_class"])
        count = sum(1 for seat in new_seat_of.values() if not seat)
        got += holds.assign_free_seats(session, sale, request["cabin_class"], count, set(named))
        return got

    # seats are locked flight by flight in flight_id order, as every writer does
    if old_flight_id < new_flight_id:
        store.release_order_seats_on(session, order_id, old_flight_id)
        taken = take_new_seats()
    else:
        taken = take_new_seats()
        store.release_order_seats_on(session, order_id, old_flight_id)

    assigned = iter(row.seat for row in taken if row.seat not in set(new_seat_of.values()))
    new_seats = {old_seat: new_seat or next(assigned) for old_seat, new_seat in sorted(new_seat_of.items())}
    store.mark_exchanged(session, [t.number for t in old])
    serials = store.next_serials(session, len(old))
    new = store.insert_tickets(session, [
        {"number": domain.ticket_number(airline_prefix, serial), "order_id": order_id, "user_id": t.user_id,
         "flight_id": new_flight_id, "passenger_name": t.passenger_name, "passenger_type": t.passenger_type,
         "passenger_index": t.passenger_index, "seat": new_seats[t.seat] if t.seat else None,
         "cabin_class": t.cabin_class, "fare": new_fares.get(t.passenger_type, t.fare), "currency": t.currency}
        for t, serial in zip(old, serials)
    ])
    store.move_order_flight(session, order_id, old_flight_id, new_flight_id)
    exchange = store.record_exchange(session, change_id, order_id, old_flight_id, new_flight_id,
                                     [t.number for t in old], [t.number for t in new])
    return exchange_answer(session, exchange)


def exchange_answer(session, exchange):
    """What ``exchange_tickets`` answers: the exchange and every ticket of the order now."""
    tickets = store.tickets_of_order(session, exchange.order_id)
    seat_of = {t.number: t.seat for t in tickets}
    return {"change_id": exchange.change_id, "order_id": exchange.order_id,
            "old_flight_id": exchange.old_flight_id, "new_flight_id": exchange.new_flight_id,
            "exchanged": list(exchange.old_numbers), "issued": list(exchange.new_numbers),
            "seats": [{"seat": seat_of.get(old), "new_seat": seat_of.get(new)}
                      for old, new in zip(exchange.old_numbers, exchange.new_numbers) if seat_of.get(old)],
            "tickets": dump_tickets([t for t in tickets if t.status == domain.ISSUED])}
