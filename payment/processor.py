"""The simulated card processor: a stand-in for a real acquirer's API.

Like a real acquirer, it takes an idempotency key with each charge (the payment id)
and each refund (the refund id) and keeps its own books (``processor_charges`` and
``processor_refunds``, standing in for the acquirer's records, which a crash on our
side does not erase): a retried charge or refund is applied once, and ``lookup``
tells what became of a charge whose answer we never recorded.

Test cards (every other valid card is charged):

- ``4000000000000002``: always declined (a definite answer);
- ``4000000000000119``: captured, then the answer is lost (``ProcessorTimeout`` after
  the capture is in the books), as when the network drops the reply;
- ``4000000000000259``: the acquirer cannot be reached (``ProcessorUnavailable``,
  nothing recorded);
- ``4000000000000341``: captured; the first refund asked on it fails before the
  acquirer records it (``ProcessorUnavailable``), later ones go through.
"""
import uuid
from dataclasses import dataclass

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

DECLINED_CARDS = {"4000000000000002": "card_declined"}
ANSWER_LOST_CARD = "4000000000000119"
UNREACHABLE_CARD = "4000000000000259"
FIRST_REFUND_FAILS_CARD = "4000000000000341"


class ProcessorUnavailable(Exception):
    """The acquirer could not be reached: it received nothing."""


class ProcessorTimeout(Exception):
    """No answer in time: the acquirer may or may not have acted."""


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


def create_indexes(db):
    db.processor_charges.create_index([("reference", ASCENDING)])


class SimulatedProcessor:
    def __init__(self, db):
        self.books = db.processor_charges
        self.refund_books = db.processor_refunds

    def charge(self, idempotency_key, card_number, amount, currency):
        if card_number == UNREACHABLE_CARD:
            raise ProcessorUnavailable("the acquirer cannot be reached")
        result = charge(card_number, amount, currency)
        try:
            self.books.insert_one({
                "_id": idempotency_key, "approved": result.approved, "reference": result.reference,
                "decline_reason": result.decline_reason, "amount": amount, "currency": currency,
                "refund_faults": 1 if card_number == FIRST_REFUND_FAILS_CARD else 0,
            })
        except DuplicateKeyError:  # the same charge again (a retry): its first answer stands
            return _result(self.books.find_one({"_id": idempotency_key}))
        if card_number == ANSWER_LOST_CARD:
            raise ProcessorTimeout("the acquirer's answer was lost after it captured")
        return result

    def lookup(self, idempotency_key):
        """What the acquirer did with that charge; None if it never received it."""
        record = self.books.find_one({"_id": idempotency_key})
        return _result(record) if record is not None else None

    def refund(self, charge_reference, refund_id, amount, currency):
        """Give ``amount`` back on a captured charge. ``refund_id`` is the idempotency
        key: a refund id seen before is the same refund, answered as the first time."""
        faulty = self.books.find_one_and_update(
            {"reference": charge_reference, "refund_faults": {"$gt": 0}}, {"$inc": {"refund_faults": -1}})
        if faulty is not None:
            raise ProcessorUnavailable("the acquirer cannot be reached")
        record = {"_id": refund_id, "charge": charge_reference, "amount": amount, "currency": currency}
        try:
            self.refund_books.insert_one(record)
        except DuplicateKeyError:
            record = self.refund_books.find_one({"_id": refund_id})
        return {"charge": record["charge"], "refund_id": record["_id"], "amount": record["amount"],
                "currency": record["currency"]}

    def refunds_of(self, charge_reference):
        """Every refund the acquirer applied to one charge (what an audit would ask it)."""
        return [{"charge": r["charge"], "refund_id": r["_id"], "amount": r["amount"], "currency": r["currency"]}
                for r in self.refund_books.find({"charge": charge_reference}).sort("_id", ASCENDING)]
