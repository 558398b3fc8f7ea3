"""marshmallow schemas for the payment service's inputs and answers.

Error messages never echo the card number or the CVC."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from common.schemas import UtcDateTime, no_control_characters
from payment.domain import (
    REFUNDED,
    card_brand,
    cvc_valid,
    expiry_in_future,
    luhn_valid,
    normalise_card_number,
    parse_expiry,
)


def partial_refunds_view(payment):
    """A payment's ``partial_refunds`` map as a list, in change id order."""
    return [{"refund_id": refund["id"], "change_id": change_id, "amount": refund["amount"],
             "status": refund["status"], "reason": refund.get("reason")}
            for change_id, refund in sorted((payment.get("partial_refunds") or {}).items())]


class CardSchema(Schema):
    card_number = fields.String(required=True, metadata={"example": "4242424242424242"})
    expiry = fields.String(required=True, metadata={"example": "12/30", "description": "MM/YY"})
    cvc = fields.String(required=True, metadata={"example": "123"})
    holder = fields.String(required=True, validate=[validate.Length(max=100), no_control_characters],
                           metadata={"example": "Ada Lovelace"})

    @validates("card_number")
    def check_number(self, value, **kwargs):
        if not luhn_valid(normalise_card_number(value)):
            raise ValidationError("Not a valid card number.")

    @validates("expiry")
    def check_expiry(self, value, **kwargs):
        parsed = parse_expiry(value)
        if parsed is None:
            raise ValidationError("Use MM/YY.")
        if not expiry_in_future(*parsed):
            raise ValidationError("The card has expired.")

    @validates("cvc")
    def check_cvc(self, value, **kwargs):
        if not cvc_valid(value):
            raise ValidationError("3 or 4 digits.")

    @validates("holder")
    def check_holder(self, value, **kwargs):
        if not value.strip():
            raise ValidationError("Must not be blank.")

    @post_load
    def normalise(self, data, **kwargs):
        data["card_number"] = normalise_card_number(data["card_number"])
        data["holder"] = " ".join(data["holder"].split())
        data["brand"] = card_brand(data["card_number"])
        return data


class CardSummarySchema(Schema):
    brand = fields.String(metadata={"example": "visa"})
    last4 = fields.String(metadata={"example": "4242"})
    holder = fields.String()


class RefundSchema(Schema):
    """The refund of a payment; the same shape as the ``refund`` of an order."""

    refund_id = fields.String(attribute="id", metadata={"example": "re_65f1c0ffee0123456789abcd"})
    amount = fields.Integer(metadata={"description": "minor units of currency"})
    total = fields.Function(lambda refund: refund.get("order_total", refund.get("amount")), metadata={
        "type": "integer", "description": "what the refund this one is part of gives back in all (an order's "
                                          "cancellation across its payments, its changes' too), minor units"})
    reason = fields.String(metadata={"example": "order_cancelled"})
    at = fields.String()
    id = fields.Function(lambda refund: refund.get("id"), metadata={
        "type": "string", "deprecated": True,
        "description": "Deprecated: the same as refund_id, kept for existing clients.",
    })


class PaymentSchema(Schema):
    id = fields.String(attribute="_id")
    order_id = fields.String()
    user_id = fields.String()
    amount = fields.Integer(metadata={"description": "minor units of currency"})
    currency = fields.String()
    status = fields.String(metadata={"example": "succeeded"})
    change_id = fields.String(allow_none=True, metadata={
        "description": "set on the payment of a voluntary change (what was due), not the order's own"})
    card = fields.Nested(CardSummarySchema)
    decline_reason = fields.String(allow_none=True)
    refund = fields.Nested(RefundSchema, allow_none=True)
    partial_refunds = fields.Method("dump_partial_refunds", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "voluntary changes' residual refunds taken from it: {refund_id, change_id, amount, status}"})

    def dump_partial_refunds(self, payment):
        return partial_refunds_view(payment)
    created_at = fields.DateTime()


class AuditRefundSchema(Schema):
    refund_id = fields.String(attribute="id")
    amount = fields.Integer()
    reason = fields.String(metadata={"description": "why: order_cancelled (the fare rules apply), flight_cancelled…"})
    status = fields.String(metadata={"description": "refunding, or refunded once the processor gave it back"})


class AuditPaymentSchema(Schema):
    """One payment as ``payment.audit_payments`` answers it (the audit contract)."""

    id = fields.String(attribute="_id")
    order_id = fields.String()
    status = fields.String(metadata={"description": "pending, failed, succeeded, refunding or refunded"})
    amount = fields.Integer()
    currency = fields.String()
    change_id = fields.String(allow_none=True, metadata={"description": "the change a change's payment paid for"})
    refund = fields.Method("dump_refund", allow_none=True)
    partial_refunds = fields.Method("dump_partial_refunds", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "voluntary changes' residual refunds taken from it: {refund_id, change_id, amount, status}"})

    def dump_partial_refunds(self, payment):
        return partial_refunds_view(payment)
    updated_at = fields.Method("dump_updated_at")

    def dump_refund(self, payment):
        refund = payment.get("refund")
        if refund is None:
            return None
        status = "refunded" if payment["status"] == REFUNDED else "refunding"
        return AuditRefundSchema().dump(dict(refund, status=status))

    def dump_updated_at(self, payment):
        if payment.get("updated_at"):
            return payment["updated_at"]  # already ISO 8601 UTC (payment.store.stamp)
        # payments written before updated_at existed: their last move is unknown, their start is not
        return UtcDateTime()._serialize(payment["created_at"], None, payment)
