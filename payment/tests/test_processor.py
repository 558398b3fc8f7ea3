"""The simulated processor keeps its own books: a retried charge or refund is applied
once, a charge whose answer was lost can be looked up by its idempotency key, and its
test cards fail the ways a real acquirer can."""
import uuid

import pytest

from common.mongo import mongo_client, service_db_name
from payment.processor import (
    ANSWER_LOST_CARD,
    FIRST_REFUND_FAILS_CARD,
    UNREACHABLE_CARD,
    ProcessorTimeout,
    ProcessorUnavailable,
    SimulatedProcessor,
)


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


def test_the_test_cards_fail_as_a_real_acquirer_can(databases):
    client = mongo_client(databases)
    try:
        processor = SimulatedProcessor(client[service_db_name(databases, "payment")])
        lost = uuid.uuid4().hex
        with pytest.raises(ProcessorTimeout):
            processor.charge(lost, ANSWER_LOST_CARD, 1000, "EUR")
        assert processor.lookup(lost).approved  # captured, though the answer never came

        unreachable = uuid.uuid4().hex
        with pytest.raises(ProcessorUnavailable):
            processor.charge(unreachable, UNREACHABLE_CARD, 1000, "EUR")
        assert processor.lookup(unreachable) is None  # never received

        flaky = processor.charge(uuid.uuid4().hex, FIRST_REFUND_FAILS_CARD, 1000, "EUR")
        refund_id = "re_" + uuid.uuid4().hex
        with pytest.raises(ProcessorUnavailable):
            processor.refund(flaky.reference, refund_id, 1000, "EUR")
        assert processor.refunds_of(flaky.reference) == []
        assert processor.refund(flaky.reference, refund_id, 1000, "EUR")["refund_id"] == refund_id
    finally:
        client.close()


def test_a_refund_id_seen_before_is_the_same_refund(databases):
    client = mongo_client(databases)
    try:
        processor = SimulatedProcessor(client[service_db_name(databases, "payment")])
        charged = processor.charge(uuid.uuid4().hex, "4242424242424242", 1000, "EUR")
        refund_id = "re_" + uuid.uuid4().hex

        first = processor.refund(charged.reference, refund_id, 1000, "EUR")
        again = processor.refund(charged.reference, refund_id, 1000, "EUR")

        assert first == again == {"charge": charged.reference, "refund_id": refund_id, "amount": 1000,
                                  "currency": "EUR"}
        assert processor.refunds_of(charged.reference) == [first]
    finally:
        client.close()
