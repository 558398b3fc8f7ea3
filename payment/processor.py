"""The simulated card processor: a stand-in for a real acquirer's API.

``4000000000000002`` is always declined; every other (valid) card is charged.
References are what a real processor would give back, so a payment can be traced.
"""
import uuid
from dataclasses import dataclass

DECLINED_CARDS = {"4000000000000002": "card_declined"}


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str = None
    decline_reason: str = None


def charge(card_number, amount, currency):
    if card_number in DECLINED_CARDS:
        return ChargeResult(approved=False, decline_reason=DECLINED_CARDS[card_number])
    return ChargeResult(approved=True, reference="ch_" + uuid.uuid4().hex)


def refund(charge_reference, refund_id, amount, currency):
    """Give ``amount`` back on a captured charge. ``refund_id`` is the idempotency
    key a real processor takes, so a retried refund is applied once."""
    return {"charge": charge_reference, "refund_id": refund_id, "amount": amount, "currency": currency}
