"""The simulated processor keeps its own books: a retried charge is applied once,
and a charge whose answer was lost can be looked up by its idempotency key."""
import uuid

from common.mongo import mongo_client, service_db_name
from payment.processor import SimulatedProcessor


def test_a_retried_charge_is_applied_once_and_can_be_looked_up(databases):
    client = mongo_client(databases)
    try:
        processor = SimulatedProcessor(client[service_db_name(databases, "payment")])
        key = uuid.uuid4().hex
        assert processor.lookup(key) is None  # never received

        first = processor.charge(key, "4242424242424242", 1000, "EUR")
        again = processor.charge(key, "4242424242424242", 1000, "EUR")
        assert first.approved and again == first
        assert processor.lookup(key) == first

        declined_key = uuid.uuid4().hex
        declined = processor.charge(declined_key, "4000000000000002", 1000, "EUR")
        assert not declined.approved and processor.lookup(declined_key) == declined
    finally:
        client.close()
