"""One refund shape: a refund reads the same in a payment and in the order it refunded."""
from order.schemas import OrderRefundSchema
from payment.schemas import CardSchema, PaymentSchema, RefundSchema

DEPRECATED_ALIASES = {"id"}  # RefundSchema.id: refund_id's old name, kept for existing clients


def test_a_refund_has_the_same_fields_in_a_payment_and_in_its_order():
    assert set(RefundSchema().fields) - DEPRECATED_ALIASES == set(OrderRefundSchema().fields)


def test_a_payments_refund_is_shown_as_the_order_shows_it():
    stored = {"_id": "p1", "refund": {"id": "re_1", "amount": 1000, "reason": "order_cancelled", "at": "2030-01-01"}}
    refund = PaymentSchema().dump(stored)["refund"]
    order_refund = OrderRefundSchema().dump({"refund_id": "re_1", "amount": 1000, "reason": "order_cancelled",
                                             "at": "2030-01-01"})

    assert refund == dict(order_refund, id="re_1")


def test_a_card_holder_with_a_control_character_is_refused():
    card = {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada\u202eLovelace"}

    errors = CardSchema().validate(card)

    assert errors == {"holder": ["Contains a control character (U+202E)."]}
    assert CardSchema().validate(dict(card, holder="Ada Lovelace")) == {}
