"""Card and payment rules that need no broker and no database."""
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

SUCCEEDED = "succeeded"
PENDING = "pending"
FAILED = "failed"
REFUNDING = "refunding"
REFUNDED = "refunded"

# the ``decline_reason`` of a failed payment the processor never received (the sweep read
# its books): no card was declined, so it is no decline. Every other failure is one.
NEVER_RECEIVED = "abandoned"

_SEPARATORS = re.compile(r"[ -]")
_EXPIRY = re.compile(r"^(0[1-9]|1[0-2])/([0-9]{2})$")

# (brand, prefixes): the first match wins
_BRANDS = (
    ("amex", ("34", "37")),
    ("mastercard", tuple(str(n) for n in range(51, 56)) + tuple(str(n) for n in range(2221, 2721))),
    ("discover", ("6011", "65")),
    ("jcb", tuple(str(n) for n in range(3528, 3590))),
    ("visa", ("4",)),
)


def normalise_card_number(number):
    return _SEPARATORS.sub("", number)


def luhn_valid(digits):
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits):
    for brand, prefixes in _BRANDS:
        if digits.startswith(prefixes):
            return brand
    return "unknown"


def parse_expiry(text):
    """``"MM/YY"`` → (year, month), or None if it is not that shape."""
    match = _EXPIRY.match(text.strip())
    if not match:
        return None
    return 2000 + int(match.group(2)), int(match.group(1))


def expiry_in_future(year, month, today=None):
    """A card is valid through the last day of its expiry month."""
    today = today or date.today()
    return (year, month) >= (today.year, today.month)


def cvc_valid(cvc):
    return cvc.isdigit() and 3 <= len(cvc) <= 4


@dataclass(frozen=True)
class DeclineLimits:
    """``LIMIT_DECLINES_PER_ORDER``, ``LIMIT_DECLINES_PER_USER`` per ``LIMIT_DECLINES_WINDOW``
    seconds: what stops one order, or one user, from testing cards against the processor."""

    per_order: int
    per_user: int
    window_seconds: int

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.limit_declines_per_order, settings.limit_declines_per_user,
                   settings.limit_declines_window)

    def order_exhausted(self, declines):
        """Whether an order declined ``declines`` times takes no more payments."""
        return declines >= self.per_order

    def user_wait(self, decline_times, now):
        """Seconds until a user declined at ``decline_times`` (datetimes) may pay again,
        or None if they may now: fewer than ``per_user`` of them within the window."""
        window = timedelta(seconds=self.window_seconds)
        recent = sorted(moment for moment in decline_times if moment > now - window)
        if len(recent) < self.per_user:
            return None
        # the count is back under the limit once this one has left the window
        frees_at = recent[len(recent) - self.per_user] + window
        return max(1, math.ceil((frees_at - now).total_seconds()))


def refund_amount(captured, asked=None):
    """What a refund gives back of ``captured``: ``asked`` (the fare rules' amount, as order
    decided it), never more than was captured nor less than nothing; all of it when not asked."""
    if asked is None:
        return captured
    return max(0, min(int(asked), captured))


def partly_refunded(payment):
    """What voluntary changes' residual refunds took back of a payment already (``partial_refunds``)."""
    return sum(refund["amount"] for refund in (payment.get("partial_refunds") or {}).values())


def refundable(payment):
    """What a payment can still give back: what it captured less its partial refunds."""
    return payment["amount"] - partly_refunded(payment)


def split_refund(held, asked=None):
    """How a refund of ``asked`` (None: all of it) is taken from an order's payments that
    hold money, ``held`` their captured amounts in the order they are refunded (the order's
    own payment first, then its changes' payments): each gives what is left to give, up to
    what it captured, so the whole never exceeds what was captured."""
    left = sum(held) if asked is None else max(0, int(asked))
    shares = []
    for captured in held:
        share = min(captured, left)
        shares.append(share)
        left -= share
    return shares
