"""Publishing the events in the orders' outboxes (``order.store``: each order keeps the
events decided with its last changes until they are published).

The worker that made a change publishes its events right after the write, then clears
them. If it never gets there (killed, the broker away), the relay timer publishes what
has waited longer than ``ORDER_EVENT_RELAY_SECONDS``; each order it takes is claimed by
a conditional update first, so two replicas running the relay never take the same
order at the same time. Consumers are idempotent: the rare double publication (published,
then killed before the clear) is harmless; a lost event is not possible.
"""
import logging
from datetime import timedelta

from order.domain import epoch_millis, utcnow

log = logging.getLogger(__name__)

RELAY_BATCH = 100


class OrderOutbox:
    def __init__(self, store, dispatch):
        self.store = store
        self.dispatch = dispatch

    def publish(self, order_id, events):
        """Publish ``events`` just written to the order's outbox, then clear them. A failure
        leaves them (and the rest) to the relay: the change itself stands either way."""
        for event in events:
            try:
                self.dispatch(event["type"], event["payload"])
            except Exception:
                log.warning("%s of order %s not published yet; the outbox relay will publish it",
                            event["type"], order_id, exc_info=True)
                return
            self.store.clear_event(order_id, event["id"])

    def relay(self, older_than_seconds, now=None):
        """Publish the events left unpublished for ``older_than_seconds``; returns how many."""
        now = now or utcnow()
        written_before = epoch_millis(now - timedelta(seconds=older_than_seconds))
        relayed = 0
        for _ in range(RELAY_BATCH):
            order = self.store.claim_unpublished(written_before, epoch_millis(now))
            if order is None:
                break
            events = [{"id": event_id, **order["outbox"][event_id]} for event_id in sorted(order.get("outbox") or {})]
            for event in events:
                self.dispatch(event["type"], event["payload"])
                if self.store.clear_event(order["_id"], event["id"]):
                    relayed += 1
        return relayed
