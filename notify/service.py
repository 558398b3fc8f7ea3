"""The notify service: tells travellers, by email, what happened to their bookings.
Entry points only: which fact makes which message is ``messages.py``, the rules are in
``domain.py``, the words in ``templates/``, the database work in ``store.py``.

Facts consumed (one message per fact per booking; docs/notify.md):
``ticket.tickets_issued`` → ticketed, ``order.order_cancelled`` → cancelled,
``order.order_expired`` → expired, ``payment.payment_refunded`` → refunded,
``ticket.check_in_opened`` → check_in_open, ``order.booking_disrupted`` → disrupted,
``order.booking_changed`` → changed (one per change).
"""
import logging

from marshmallow import ValidationError

from common.entrypoints import config_timer, event_handler, rpc
from common.sql import check
from notify import domain
from notify.dependencies import AirportZones, BoundedRpc, Database, MailerProvider, RequestContext, SettingsProvider
from notify.messages import Messages
from notify.models import Base
from notify.schemas import (
    BookingChangedSchema,
    BookingDisruptedSchema,
    CheckInOpenedSchema,
    OrderClosedSchema,
    PaymentRefundedSchema,
    TicketsIssuedSchema,
)

log = logging.getLogger(__name__)


class NotifyService:
    name = "notify"

    settings = SettingsProvider()
    db = Database(Base)
    services = BoundedRpc()
    mailer = MailerProvider()
    airport_zones = AirportZones()
    request_id = RequestContext()

    @property
    def messages(self):
        return Messages(self.db, self.services, self.mailer, self.airport_zones)

    def _record(self, kind, schema, payload, event_type):
        """A malformed event is dropped with a warning, not retried for ever."""
        try:
            fact = schema.load(payload)
        except ValidationError as exc:
            log.warning("ignored malformed %s event: %s", event_type, exc.messages)
            return
        self.messages.record(kind, fact["order_id"], fact)

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}

    @rpc
    def list_notifications(self, user_id, limit=20, cursor=None):
        """The user's messages, newest first: ``{items, next_cursor}``."""
        return self.messages.list(user_id, limit, cursor)

    @event_handler("ticket", "tickets_issued")
    def on_tickets_issued(self, payload):
        self._record(domain.TICKETED, TicketsIssuedSchema(), payload, "tickets_issued")

    @event_handler("order", "order_cancelled")
    def on_order_cancelled(self, payload):
        self._record(domain.CANCELLED, OrderClosedSchema(), payload, "order_cancelled")

    @event_handler("order", "order_expired")
    def on_order_expired(self, payload):
        self._record(domain.EXPIRED, OrderClosedSchema(), payload, "order_expired")

    @event_handler("payment", "payment_refunded")
    def on_payment_refunded(self, payload):
        if payload.get("change_id"):
            # a change's payment given back (its change refused: the confirmation answered it;
            # or with the order's own at a cancellation, whose refund is the one mailed)
            return
        self._record(domain.REFUNDED, PaymentRefundedSchema(), payload, "payment_refunded")

    @event_handler("ticket", "check_in_opened")
    def on_check_in_opened(self, payload):
        self._record(domain.CHECK_IN_OPEN, CheckInOpenedSchema(), payload, "check_in_opened")

    @event_handler("order", "booking_disrupted")
    def on_booking_disrupted(self, payload):
        self._record(domain.DISRUPTED, BookingDisruptedSchema(), payload, "booking_disrupted")

    @event_handler("order", "booking_changed")
    def on_booking_changed(self, payload):
        self._record(domain.CHANGED, BookingChangedSchema(), payload, "booking_changed")

    @config_timer("expiry_sweep_seconds")
    def send_overdue(self):
        sent = self.messages.send_overdue(self.settings.notify_resend_seconds)
        if sent:
            log.warning("sent %d notifications left unsent (SMTP away, or a crash after recording)", sent)
