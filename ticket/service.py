"""The ticket service: seat inventory, holds, e-tickets. Entry points only: what to
do is decided in ``holds.py`` (seats) and ``issuing.py`` (tickets and the events that
announce them), the rules are in ``domain.py``, the database work in ``store.py``."""
import logging

from marshmallow import ValidationError
from nameko.events import EventDispatcher

from common.config import SettingsProvider
from common.entrypoints import config_timer, event_handler, rpc
from common.errors import load_or_raise
from common.metrics import Metrics
from common.sql import check
from ticket import audit, checkin, exchange, holds, issuing, store, swap
from ticket.dependencies import BoundedRpc, Database, RequestContext
from ticket.models import Base
from ticket.schemas import (
    AirplaneChangedSchema,
    AuditPageSchema,
    BoardingScanSchema,
    CheckInRequestSchema,
    ExchangeRequestSchema,
    FlightRefSchema,
    FlightScheduledSchema,
    FlightStatusChangedSchema,
    HoldRequestSchema,
    ItineraryHoldSchema,
    OrderClosedSchema,
    OrderPaidSchema,
    OrderRefSchema,
    TicketAccessSchema,
    TicketPageQuerySchema,
)

log = logging.getLogger(__name__)

# nameko makes a service instance per call: what this process published lives here
AVAILABILITY_FEED = holds.AvailabilityFeed()
# the most (flight, class) counts one ``availability_changed`` carries; the rest go next run
AVAILABILITY_BATCH = 5000


def load_event(schema, payload, event_type):
    """The event's payload, validated; ``None`` (and a warning) if it is malformed:
    a bad message is dropped, not retried for ever."""
    try:
        return schema.load(payload)
    except ValidationError as exc:
        log.warning("ignored malformed %s event: %s", event_type, exc.messages)
        return None


class TicketService:
    name = "ticket"

    settings = SettingsProvider()
    db = Database(Base)
    request_id = RequestContext()
    metrics = Metrics()
    dispatch = EventDispatcher()
    # check-in asks order (the booking reference) and track (the flight, the origin's time zone)
    services = BoundedRpc()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}

    # -- inventory ----------------------------------------------------------------------

    @rpc
    def seat_map(self, flight_id):
        with self.db.get_session() as session:
            return holds.seat_map(session, str(flight_id))

    @rpc
    def availability(self, flight_ids):
        with self.db.get_session() as session:
            return holds.availability(session, [str(f) for f in flight_ids or []])

    @rpc
    def availability_counts(self, flight_ids=None, since=None):
        """The kept counts (``availability_changed``'s shape) of ``flight_ids``, or of every
        flight departing in the future when none are named; ``since`` keeps those changed
        after that version. Track's repair timer asks this."""
        with self.db.get_session() as session:
            counts, _ = holds.availability_counts(
                session, flight_ids=[str(f) for f in flight_ids] if flight_ids is not None else None,
                since=since, departing_after=None if flight_ids is not None else store.NOW)
        return counts

    @config_timer("availability_publish_seconds")
    def publish_availability(self):
        """``availability_changed``: the counts changed since this worker's last run, each
        flight whole, all in one event (``holds.AvailabilityFeed``). A cache feed, at most
        once: what is lost is mended by track's repair timer.
        Every replica publishes; track keeps the highest version of each flight."""
        with self.db.get_session() as session:
            counts = AVAILABILITY_FEED.changed(session, AVAILABILITY_BATCH)
        if counts:
            self.dispatch("availability_changed", {"flights": counts})

    @event_handler("track", "flight_scheduled")
    def on_flight_scheduled(self, payload):
        event = load_event(FlightScheduledSchema(), payload, "flight_scheduled")
        if event:
            with self.db.get_session() as session:
                store.build_inventory(session, event)

    @event_handler("track", "flight_status_changed")
    def on_flight_status_changed(self, payload):
        event = load_event(FlightStatusChangedSchema(), payload, "flight_status_changed")
        if not event:
            return
        with self.db.get_session() as session:
            holds.follow_flight_status(session, event)
            checkin.follow_departure(session, event)

    @event_handler("track", "flight_airplane_changed")
    def on_flight_airplane_changed(self, payload):
        """Aircraft swap: the seats rebuilt for the new layout (``swap.change_airplane``)."""
        event = load_event(AirplaneChangedSchema(), payload, "flight_airplane_changed")
        if not event:
            return
        with self.db.get_session() as session:
            events = swap.change_airplane(session, event)
        if events:
            with self.db.get_session() as session:
                store.OUTBOX.publish(session, self.dispatch, events)

    # -- holds --------------------------------------------------------------------------

    @rpc
    def hold_seats(self, order_id, flight_id, seats=None, cabin_class=None, count=0):
        """Held until ``expires_at`` of the answer: ticket alone decides a hold's lifetime
        (``HOLD_TTL_SECONDS``)."""
        request = load_or_raise(HoldRequestSchema(), {
            "order_id": order_id, "flight_id": flight_id, "seats": seats or [],
            "cabin_class": cabin_class, "count": count or 0,
        })
        with self.db.get_session() as session:
            return holds.hold_seats(session, request, self.settings.hold_ttl_seconds)

    @rpc
    def hold_itinerary(self, order_id, segments):
        """Every seat of the order on every flight of ``segments`` (``[{flight_id, seats,
        cabin_class, count}]``, 1 to 4 flights) held in one transaction, or none;
        until ``expires_at`` of the answer (the first departure at the latest)."""
        request = load_or_raise(ItineraryHoldSchema(), {"order_id": order_id, "segments": segments})
        with self.db.get_session() as session:
            return holds.hold_itinerary(session, request, self.settings.hold_ttl_seconds)

    @rpc
    def release_hold(self, order_id):
        with self.db.get_session() as session:
            return holds.release_hold(session, str(order_id))

    @config_timer("expiry_sweep_seconds")
    def sweep(self):
        """Lapsed holds back on sale, even if no event came; events left unpublished
        (broker trouble after a commit) published."""
        with self.db.get_session() as session:
            released = store.sweep_expired_holds(session)
        if released:
            log.info("released %d lapsed seat holds", released)
        while True:
            with self.db.get_session() as session:
                stuck = issuing.relay(session, self.settings.ticket_event_relay_seconds)
            self._publish(stuck)
            if len(stuck) < issuing.RELAY_BATCH:
                break
        with self.db.get_session() as session:
            store.OUTBOX.relay(session, self.dispatch, self.settings.ticket_event_relay_seconds)

    # -- tickets ------------------------------------------------------------------------

    @event_handler("order", "order_paid", on_dead_letter="give_up_ticketing")
    def on_order_paid(self, payload):
        event = load_event(OrderPaidSchema(), payload, "order_paid")
        if event:
            self._decide(issuing.issue_tickets, event, self.settings.ticket_airline_prefix)

    def give_up_ticketing(self, payload, error):
        """The compensation of an ``order_paid`` that failed every attempt (it is
        dead-lettered next): the customer has paid, so the order is closed without
        tickets and ``tickets_cancelled`` (``ticketing_failed``) refunds the money."""
        order = load_event(OrderRefSchema(), payload, "order_paid")
        if order:
            log.error("order %s cannot be ticketed (%s); its payment is refunded", order["order_id"], error)
            self._decide(issuing.give_up_ticketing, order["order_id"], order["flight_id"])

    @event_handler("order", "order_cancelled")
    def on_order_cancelled(self, payload):
        event = load_event(OrderClosedSchema(), payload, "order_cancelled")
        if event:
            self._decide(issuing.close_order, event)

    @event_handler("order", "order_expired")
    def on_order_expired(self, payload):
        event = load_event(OrderClosedSchema(), payload, "order_expired")
        if event:
            self._decide(issuing.close_order, event)

    @event_handler("track", "flight_cancelled")
    def on_flight_cancelled(self, payload):
        event = load_event(FlightRefSchema(), payload, "flight_cancelled")
        if event:
            self._decide(issuing.cancel_flight, event["flight_id"])

    @rpc
    def exchange_tickets(self, change_id, order_id, old_flight_id, new_flight_id, cabin_class, moves, fares=None):
        """A voluntary change (order's change saga): the order's tickets on ``old_flight_id``
        exchanged for new ones on ``new_flight_id``, in one transaction; idempotent by
        ``change_id`` (a retry answers the first exchange). ``fares``: each passenger type's
        fare on the new flight (None: the new tickets keep the old ones' fares)."""
        request = load_or_raise(ExchangeRequestSchema(), {
            "change_id": change_id, "order_id": order_id, "old_flight_id": old_flight_id,
            "new_flight_id": new_flight_id, "cabin_class": cabin_class, "moves": moves, "fares": fares,
        })
        with self.db.get_session() as session:
            return exchange.exchange_tickets(session, request, self.settings.ticket_airline_prefix)

    @rpc
    def get_ticket(self, ticket_number, user_id):
        with self.db.get_session() as session:
            return issuing.ticket_of_user(session, ticket_number, user_id)

    @rpc
    def list_tickets(self, user_id, limit=None, cursor=None):
        """The user's e-tickets, newest first, a page at a time: ``{items, next_cursor}``."""
        page = load_or_raise(TicketPageQuerySchema(), {
            key: value for key, value in {"limit": limit, "cursor": cursor}.items() if value is not None})
        with self.db.get_session() as session:
            return issuing.tickets_of_user(session, user_id, page)

    @rpc
    def tickets_for_order(self, order_id):
        with self.db.get_session() as session:
            return issuing.tickets_of_order(session, order_id)

    # -- check-in and boarding ------------------------------------------------------------

    @rpc
    def check_in(self, ticket_number, user_id=None, booking_ref=None, last_name=None, seat=None):
        """The ticket's boarding pass: by its owner (``user_id``) or with the booking
        reference and the passenger's last name; ``seat`` moves to a free seat of the cabin."""
        request = load_or_raise(CheckInRequestSchema(), {
            "ticket_number": ticket_number, "user_id": user_id, "booking_ref": booking_ref,
            "last_name": last_name, "seat": seat,
        })
        return checkin.check_in(self.db, self.services, self.settings, request, self.dispatch)

    @rpc
    def boarding_pass(self, ticket_number, user_id=None, booking_ref=None, last_name=None):
        """The pass of a checked-in ticket, to whoever may check it in (``check_in``)."""
        request = load_or_raise(TicketAccessSchema(), {
            "ticket_number": str(ticket_number), "user_id": user_id, "booking_ref": booking_ref,
            "last_name": last_name,
        })
        return checkin.boarding_pass(self.db, self.services, request)

    @rpc
    def board(self, flight_id, bcbp):
        """The gate scan of a boarding pass (its BCBP string) at ``flight_id``'s gate."""
        scan = load_or_raise(BoardingScanSchema(), {"bcbp": bcbp})
        with self.db.get_session() as session:
            return checkin.board(session, str(flight_id), scan["bcbp"])

    @config_timer("check_in_announce_seconds")
    def announce_check_in(self):
        """``check_in_opened`` for each ticketed booking whose flight's check-in has opened."""
        with self.db.get_session() as session:
            announcements = checkin.announce_open_check_ins(session, self.settings)
        for announcement in announcements:
            self.dispatch(announcement.event_type, announcement.payload)
        if announcements:
            with self.db.get_session() as session:
                checkin.check_ins_announced(session, announcements)
            log.info("announced check-in open to %d bookings", len(announcements))

    @rpc
    def boarding_status(self, flight_id):
        """Every ticket of the flight with its check-in state, for the manifest."""
        with self.db.get_session() as session:
            return checkin.boarding_status(session, str(flight_id))

    # -- the audit ----------------------------------------------------------------------

    @rpc
    def audit_tickets(self, after=None, limit=500):
        page = load_or_raise(AuditPageSchema(), {"after": after, "limit": limit})
        with self.db.get_session() as session:
            return audit.tickets(session, page["after"], page["limit"])

    @rpc
    def audit_seats(self, after=None, limit=500):
        page = load_or_raise(AuditPageSchema(), {"after": after, "limit": limit})
        with self.db.get_session() as session:
            return audit.seats(session, page["after"], page["limit"])

    def _decide(self, operation, *args):
        """Run a change in one transaction, then publish the events it decided."""
        with self.db.get_session() as session:
            announcements = operation(session, *args)
        self._publish(announcements)

    def _publish(self, announcements):
        for announcement in announcements:
            self.dispatch(announcement.event_type, announcement.payload)
        if announcements:
            with self.db.get_session() as session:
                store.mark_published(session, announcements)
