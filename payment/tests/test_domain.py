"""Card rules, the card schema and the simulated processor, without a broker."""
from datetime import UTC, date, datetime, timedelta

import pytest

from common.errors import InvalidInput, load_or_raise
from payment import domain, processor
from payment.domain import DeclineLimits, split_refund
from payment.schemas import CardSchema

VALID = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}


@pytest.mark.parametrize("number", ["4242424242424242", "4000000000000002", "5555555555554444", "378282246310005"])
def test_luhn_accepts_test_cards(number):
    assert domain.luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "1234", "42424242424242424242", "4242x42424242424", ""])
def test_luhn_refuses(number):
    assert not domain.luhn_valid(number)


@pytest.mark.parametrize("number, brand", [
    ("4242424242424242", "visa"), ("5555555555554444", "mastercard"), ("2221000000000009", "mastercard"),
    ("378282246310005", "amex"), ("6011111111111117", "discover"), ("9999999999999995", "unknown"),
])
def test_brand(number, brand):
    assert domain.card_brand(number) == brand


def test_expiry_is_valid_through_its_month():
    assert domain.parse_expiry("03/27") == (2027, 3)
    assert domain.parse_expiry("13/27") is None and domain.parse_expiry("3/27") is None
    assert domain.expiry_in_future(2027, 3, today=date(2027, 3, 31))
    assert not domain.expiry_in_future(2027, 2, today=date(2027, 3, 1))


def test_card_schema_normalises_and_keeps_the_brand():
    card = load_or_raise(CardSchema(), VALID)
    assert card["card_number"] == "4242424242424242" and card["brand"] == "visa"


@pytest.mark.parametrize("field, value", [
    ("card_number", "4242424242424241"), ("card_number", 4242424242424242), ("expiry", "01/20"),
    ("expiry", "2030-01"), ("cvc", "12"), ("cvc", "12345"), ("cvc", "abc"), ("holder", "  "),
])
def test_card_schema_refuses(field, value):
    with pytest.raises(InvalidInput) as caught:
        load_or_raise(CardSchema(), dict(VALID, **{field: value}))
    assert field in caught.value.details["fields"]
    assert "4242424242424241" not in str(caught.value.details)


def test_processor_declines_the_decline_card_and_charges_others():
    declined = processor.charge("4000000000000002", 100, "EUR")
    assert not declined.approved and declined.decline_reason == "card_declined"
    for number in ("4242424242424242", "5555555555554444"):
        charged = processor.charge(number, 100, "EUR")
        assert charged.approved and charged.reference.startswith("ch_")


def test_an_order_is_exhausted_at_its_decline_limit():
    limits = DeclineLimits(per_order=5, per_user=10, window_seconds=3600)
    assert not limits.order_exhausted(4) and limits.order_exhausted(5) and limits.order_exhausted(6)


def test_a_user_waits_until_enough_declines_leave_the_window():
    limits = DeclineLimits(per_order=5, per_user=2, window_seconds=600)
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    ago = [now - timedelta(seconds=s) for s in (700, 500, 100, 10)]

    assert limits.user_wait([], now) is None
    assert limits.user_wait(ago[:2], now) is None  # one is out of the window
    assert limits.user_wait(ago[1:3], now) == 100  # the oldest in the window leaves it in 100 s
    # over the limit (concurrent payments): back under it once two have left the window
    assert limits.user_wait(ago[1:], now) == 500
    assert limits.user_wait([now - timedelta(seconds=599.9), now], now) == 1


def test_a_refund_is_split_over_the_payments_in_order_never_more_than_each_captured():
    assert split_refund([250_000, 27_500], 260_000) == [250_000, 10_000]
    assert split_refund([250_000, 27_500], 100_000) == [100_000, 0]
    assert split_refund([250_000, 27_500], 10**9) == [250_000, 27_500]
    assert split_refund([250_000, 27_500]) == [250_000, 27_500]
    assert split_refund([250_000], -5) == [0]
    assert split_refund([], 100) == []
