"""The payment service: nameko entrypoints only; the money rules are in ``payment.ledger``."""
from nameko.events import EventDispatcher

from common.entrypoints import config_timer, event_handler, rpc
from common.metrics import Metrics
from payment import processor, store
from payment.dependencies import BoundedRpc, MongoDatabase, RequestContext, SettingsProvider
from payment.domain import DeclineLimits
from payment.ledger import Ledger
from payment.processor import SimulatedProcessor
from payment.store import PaymentStore


def create_indexes(db):
    store.create_indexes(db)
    processor.create_indexes(db)


class PaymentService:
    name = "payment"

    settings = SettingsProvider()
    db = MongoDatabase(create_indexes)
    services = BoundedRpc()
    dispatch = EventDispatcher()
    request_id = RequestContext()
    metrics = Metrics()

    @property
    def ledger(self):
        return Ledger(PaymentStore(self.db), self.services, self.dispatch, SimulatedProcessor(self.db),
                      DeclineLimits.from_settings(self.settings))

    @rpc
    def health(self):
        self.db.command("ping")
        return {"service": self.name, "status": "ok"}

    @rpc
    def pay(self, order_id, user_id, card):
        return self.ledger.pay(order_id, user_id, card)

    @rpc
    def charge_change(self, order_id, user_id, change_id, amount, currency, card):
        """The payment of a voluntary change (order's change saga); idempotent by ``change_id``."""
        return self.ledger.charge_change(order_id, user_id, change_id, amount, currency, card)

    @rpc
    def change_payment(self, change_id):
        return self.ledger.change_payment(change_id)

    @rpc
    def refund_change(self, change_id):
        """Give a change's payment back whole (its exchange was refused); once."""
        self.ledger.refund_change(change_id)

    @rpc
    def refund_residual(self, order_id, change_id, amount):
        """A voluntary change's residual refund (a cheaper flight): once per ``change_id``."""
        return self.ledger.refund_residual(order_id, change_id, amount)

    @rpc
    def get_payment(self, payment_id):
        return self.ledger.get(payment_id)

    @rpc
    def payments_for_order(self, order_id):
        return self.ledger.for_order(order_id)

    @rpc
    def audit_payments(self, after=None, limit=500):
        return self.ledger.audit(after, limit)

    @config_timer("expiry_sweep_seconds")
    def recover_after_crashes(self):
        """Payments a crash or a silent processor left half-done: pending ones settled from
        the processor's books, refunds not known to be done asked again, captures and
        refunds whose event never left announced again. Every replica runs it: the ledger
        claims each payment before touching it."""
        grace = self.settings.payment_announce_grace_seconds
        ledger = self.ledger
        ledger.settle_abandoned(grace)
        ledger.finish_refunds(grace)
        ledger.announce_forgotten(grace)

    @event_handler("ticket", "tickets_cancelled")
    def handle_tickets_cancelled(self, payload):
        self.ledger.refund_order(payload["order_id"], payload.get("reason") or "tickets_cancelled",
                                 payload.get("refund_amount"))

    @event_handler("order", "payment_rejected")
    def handle_payment_rejected(self, payload):
        self.ledger.refund_payment(payload["payment_id"], payload.get("reason") or "order_not_payable")
