"""The order service: nameko entrypoints only; the saga logic is in ``order.saga``."""
import logging

from nameko.events import EventDispatcher

from common.config import SettingsProvider
from common.entrypoints import config_timer, event_handler, rpc
from common.metrics import Metrics
from order.bookings import Bookings, booking_view
from order.changes import Changes
from order.dependencies import BoundedRpc, MongoDatabase, RequestContext
from order.saga import Orders, order_view
from order.store import ChangeStore, OrderStore, create_indexes

log = logging.getLogger(__name__)


class OrderService:
    name = "order"

    settings = SettingsProvider()
    db = MongoDatabase(create_indexes)
    services = BoundedRpc()
    dispatch = EventDispatcher()
    request_id = RequestContext()
    metrics = Metrics()

    @property
    def orders(self):
        return Orders(OrderStore(self.db), self.services, self.dispatch, self.settings.min_connection_minutes,
                      (self.settings.limit_unpaid_seats_per_flight, self.settings.limit_unpaid_seats_total),
                      self.settings.idempotency_key_ttl_seconds,
                      (self.settings.disruption_delay_minutes, self.settings.disruption_move_window_hours))

    @property
    def bookings(self):
        return Bookings(self.orders)

    @property
    def changes(self):
        return Changes(self.orders, ChangeStore(self.db), self.settings.change_quote_ttl_seconds)

    @rpc
    def health(self):
        self.db.command("ping")
        return {"service": self.name, "status": "ok"}

    @rpc
    def place_order(self, user_id, data, idempotency_key=None):
        return self.orders.place(user_id, data, idempotency_key)

    @rpc
    def get_order(self, order_id, user_id=None):
        return order_view(self.orders.get(order_id, user_id))

    @rpc
    def get_payable_order(self, order_id, user_id=None):
        """The order, if it can be paid now; ``Conflict`` ``ORDER_NOT_PAYABLE`` if not (asked by payment)."""
        return self.orders.payable(order_id, user_id)

    @rpc
    def quote_change(self, order_id, user_id, data):
        """A voluntary change of one segment to another flight, priced (``order.changes``)."""
        return self.changes.quote(order_id, user_id, data)

    @rpc
    def confirm_change(self, order_id, change_id, user_id, card=None):
        """The change's saga: what is due charged to ``card``, tickets exchanged, the order
        changed; a repeat answers the same."""
        return self.changes.confirm(order_id, change_id, user_id, card)

    @rpc
    def verify_booking(self, booking_ref, last_name):
        """The order id (and reference) of a booking named by its reference and a passenger's
        last name; NotFound if none (asked by ticket for check-in without a token)."""
        return self.orders.verify_booking(booking_ref, last_name)

    @rpc
    def list_orders(self, user_id, limit=20, cursor=None):
        return self.orders.list(user_id, limit, cursor)

    @rpc
    def cancel_order(self, order_id, user_id, reason=None):
        """``reason``: None (the customer's choice; a disrupted booking's is the airline's) or
        one of ``order.fare_rules.CANCEL_REASONS`` (``disruption`` refunds in full)."""
        return self.orders.cancel(order_id, user_id, reason=reason)

    @rpc
    def find_booking(self, booking_ref, last_name):
        """Manage my booking: the order, if ``last_name`` is a passenger's family name;
        ``NotFound`` ``BOOKING_NOT_FOUND`` otherwise (an unknown reference alike)."""
        return booking_view(self.bookings.find(booking_ref, last_name))

    @rpc
    def cancel_booking(self, booking_ref, last_name):
        return booking_view(self.bookings.cancel(booking_ref, last_name))

    @rpc
    def search_orders(self, booking_ref=None, user_id=None, flight_id=None, limit=20, cursor=None):
        """For staff: orders by exactly one of booking reference, customer or flight."""
        return self.bookings.search(booking_ref, user_id, flight_id, limit, cursor)

    @rpc
    def flight_manifest(self, flight_id):
        return self.bookings.manifest(flight_id)

    @rpc
    def audit_orders(self, after=None, limit=500):
        """Every order, paged (``next`` is the ``after`` of the next page), for ``make audit``."""
        return self.orders.audit(after, limit)

    @config_timer("expiry_sweep_seconds")
    def expire_overdue_orders(self):
        self.orders.expire_overdue()

    @config_timer("expiry_sweep_seconds")
    def relay_events(self):
        relayed = self.orders.relay_events(self.settings.order_event_relay_seconds)
        if relayed:
            log.warning("relayed %d order events that were written but not published", relayed)

    @config_timer("expiry_sweep_seconds")
    def resume_changes(self):
        resumed = self.changes.resume(self.settings.order_event_relay_seconds)
        if resumed:
            log.warning("completed %d changes a confirmation had left half way", resumed)

    @event_handler("payment", "payment_succeeded")
    def handle_payment_succeeded(self, payload):
        self.orders.on_payment_succeeded(payload)

    @event_handler("payment", "payment_refunded")
    def handle_payment_refunded(self, payload):
        self.orders.on_payment_refunded(payload)

    @event_handler("ticket", "tickets_issued")
    def handle_tickets_issued(self, payload):
        self.orders.on_tickets_issued(payload)

    @event_handler("track", "flight_cancelled")
    def handle_flight_cancelled(self, payload):
        self.orders.on_flight_cancelled(payload)

    @event_handler("track", "flight_retimed")
    def handle_flight_retimed(self, payload):
        self.orders.on_flight_retimed(payload)

    @event_handler("ticket", "booking_displaced")
    def handle_booking_displaced(self, payload):
        self.orders.on_booking_displaced(payload)

    @event_handler("ticket", "seats_reassigned")
    def handle_seats_reassigned(self, payload):
        self.orders.on_seats_reassigned(payload)
