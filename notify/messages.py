"""The use case: a fact about a booking becomes one email to its owner, once.

1. The fact arrives (``service.py`` loads the event). If the booking already has the
   message of that kind, nothing happens: a replay or a redelivery costs one query.
2. What the message says is gathered by RPC: the booking (``order.get_order``: its
   reference, owner, flight, tickets), the owner's address (``auth.get_user``), the
   flight and its airports' time zones (``track.get_flight``, ``track.list_airports``).
   What the event carries is not asked again: the tickets of ``tickets_issued`` and, from
   a ticketing, the booking itself (``domain.booking_told``); the old and new flights,
   new tickets and money of ``booking_changed``.
3. It is rendered (``rendering``) and recorded; the unique ``(kind, order_id, fact_key)``
   of the insert decides, so two deliveries racing each other record one message.
4. After the commit it is sent (``send``): claimed with a row lock, handed to SMTP,
   marked ``sent_at``. A crash between 3 and 4, or an SMTP server away, leaves it
   unsent; the sweep (``send_overdue``) sends it later. At least once: a crash after
   SMTP took the message and before ``sent_at`` was committed sends it again.
"""
import logging
import smtplib
import uuid

from common.errors import NotFound, load_or_raise
from notify import domain, store
from notify.rendering import render
from notify.schemas import IssuedTicketSchema, NotificationQuerySchema, dump_page

log = logging.getLogger(__name__)


class Messages:
    def __init__(self, db, services, mailer, airport_zones):
        self.db = db
        self.services = services
        self.mailer = mailer
        self.airport_zones = airport_zones

    def record(self, kind, order_id, fact):
        """Record the ``kind`` message of booking ``order_id`` (``fact``: what the event
        said) and send it. Returns the new message's id, or None if it already existed."""
        key = domain.fact_key(kind, fact)
        with self.db.get_session() as session:
            if store.exists(session, kind, order_id, key):
                return None
        order = domain.booking_told(fact) or self.services.order.get_order(order_id)
        if not domain.worth_telling(kind, order):
            log.info("no %s message for order %s: it is %s now", kind, order_id, order.get("status"))
            return None
        user = self.services.auth.get_user(order["user_id"])
        context = self.context(kind, order, user, fact)
        subject, text, html = render(kind, context)
        with self.db.get_session() as session:
            notification_id = store.add(
                session, kind, order_id, key, booking_ref=order.get("booking_ref"), user_id=uuid.UUID(order["user_id"]),
                recipient=user["email"], subject=subject, text_body=text, html_body=html,
            )
        if notification_id is not None:
            self.send(notification_id)
        return notification_id

    def context(self, kind, order, user, fact):
        """Everything a template may use (every template gets every key)."""
        booking_ref = order.get("booking_ref") or ""
        tickets = fact.get("tickets")
        if tickets is None:
            tickets = IssuedTicketSchema(many=True).load(order.get("tickets") or [])
        if fact.get("ticket_numbers"):  # the fact is about some of them (one flight's)
            tickets = [ticket for ticket in tickets if ticket["number"] in fact["ticket_numbers"]]
        itinerary = self.itinerary(order)
        flight = domain.leg_of(itinerary, fact.get("flight_id"))
        zone = flight["origin_tz"] if flight else None
        changed_from, changed_to = self.legs(domain.changed_flights(fact))
        return {
            "kind": kind,
            "booking_ref": booking_ref,
            "order_id": order["id"],
            "traveller": user.get("full_name") or user["email"],
            "passengers": order.get("passengers") or [],
            "tickets": tickets,
            "itinerary": itinerary,
            "flight": flight,
            "check_in_closes": domain.local_time(fact.get("closes_at"), zone),
            "since": domain.local_time(fact.get("since"), zone),
            "amount_paid": domain.money(order.get("amount"), order.get("currency")),
            # order_cancelled says what the fare rules give back; without it, all of it
            "amount_to_refund": domain.money(order.get("amount") if fact.get("refund_amount") is None
                                             else fact["refund_amount"], order.get("currency")),
            # a cancellation's refund in all (its changes' payments give back their parts too)
            "amount_refunded": domain.money(fact.get("order_total") or fact.get("amount"), fact.get("currency")),
            "refund_id": fact.get("refund_id"),
            # a change: its flights (as quoted, at each airport's time) and the money it moved, once
            "changed_from": changed_from,
            "changed_to": changed_to,
            "exchanged": fact.get("exchanged") or [],
            "disruption_move": bool(fact.get("disruption_move")),
            **domain.change_money(fact, fact.get("currency") or order.get("currency")),
            "paid": domain.cancelled_paid(fact),
            "reason": domain.reason_text(fact.get("reason")),
            "next_steps": domain.next_steps(kind, booking_ref, fact),
        }

    def itinerary(self, order):
        flights = []
        for flight_id in domain.flight_ids(order):
            try:
                flights.append(self.services.track.get_flight(flight_id))
            except NotFound:  # a flight track never scheduled: the message goes without it
                log.warning("flight %s of order %s is unknown to track", flight_id, order["id"])
        return self.legs(flights)

    def legs(self, flights):
        """``domain.leg`` of each flight (None stays None), in its airports' local times
        (zones asked of track once per airport code, then kept)."""
        codes = [code for flight in flights if flight for code in (flight.get("origin"), flight.get("destination"))]
        zones = self.airport_zones.zones(self.services.track, codes) if codes else {}
        return [domain.leg(flight, zones) if flight else None for flight in flights]

    def send(self, notification_id):
        """Send one recorded message unless it is sent already or another worker is
        sending it now. Returns True if this call sent it."""
        with self.db.get_session() as session:
            notification = store.claim_unsent(session, notification_id)
            if notification is None:
                return False
            try:
                self.mailer.send(notification)
            except (smtplib.SMTPException, OSError) as exc:
                store.mark_failed(notification, exc)
                log.warning("could not send notification %s (%s of order %s); the sweep will try again: %s",
                            notification.id, notification.kind, notification.order_id, exc)
                return False
            store.mark_sent(notification)
            return True

    def send_overdue(self, grace_seconds):
        """Send what is still unsent ``grace_seconds`` after its last try. Returns how many were sent."""
        with self.db.get_session() as session:
            overdue = store.overdue(session, grace_seconds)
        return sum(1 for notification_id in overdue if self.send(notification_id))

    def list(self, user_id, limit=20, cursor=None):
        query = load_or_raise(NotificationQuerySchema(), {
            key: value for key, value in {"limit": limit, "cursor": cursor}.items() if value is not None})
        try:
            owner = uuid.UUID(str(user_id))
        except ValueError:
            return dump_page([], None)
        with self.db.get_session() as session:
            rows, next_cursor = store.page_for_user(session, owner, query["limit"], query["cursor"])
            return dump_page(rows, next_cursor)
