"""The simulated card processor: a stand-in for a real acquirer's API.

``4000000000000002`` is always declined; every other (valid) card is charged.
Like a real acquirer, it takes an idempotency key with each charge (the payment
id) and keeps its own books (``processor_charges``, standing in for the acquirer's
records, which a crash on our side does not erase): a retried charge is applied
once, and ``lookup`` tells what became of a charge whose answer we never recorded.
"""
import uuid
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

DECLINED_CARDS = {"4000000000000002": "card_declined"}


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str = None
    decline_reason: str = None


def charge(card_number, amount, currency):
    """The acquirer's decision for one card (no books kept)."""
    if card_number in DECLINED_CARDS:
        return ChargeResult(approved=False, decline_reason=DECLINED_CARDS[card_number])
    return ChargeResult(approved=True, reference="ch_" + uuid.uuid4().hex)


def _result(record):
    return ChargeResult(record["approved"], record.get("reference"), record.get("decline_reason"))


class SimulatedProcessor:
    def __init__(self, db):
        self.books = db.processor_charges

    def charge(self, idempotency_key, card_number, amount, currency):
        result = charge(card_number, amount, currency)
        try:
            self.books.insert_one({
                "_id": idempotency_key, "approved": result.approved, "reference": result.reference,
                "decline_reason": result.decline_reason, "amount": amount, "currency": currency,
            })
        except DuplicateKeyError:  # the same charge again (a retry): its first answer stands
            return _result(self.books.find_one({"_id": idempotency_key}))
        return result

    def lookup(self, idempotency_key):
        """What the acquirer did with that charge; None if it never received it."""
        record = self.books.find_one({"_id": idempotency_key})
        return _result(record) if record is not None else None

    def refund(self, charge_reference, refund_id, amount, currency):
        """Give ``amount`` back on a captured charge. ``refund_id`` is the idempotency
        key a real processor takes, so a retried refund is applied once."""
        return {"charge": charge_reference, "refund_id": refund_id, "amount": amount, "currency": currency}
