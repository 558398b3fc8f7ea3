"""Card rules that need no broker and no database."""
import re
from datetime import date

SUCCEEDED = "succeeded"
PENDING = "pending"
FAILED = "failed"
REFUNDING = "refunding"
REFUNDED = "refunded"

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
