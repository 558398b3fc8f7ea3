"""Fare families as plain functions: the two shapes of a flight's fares, the rules a family
sells under, a quote, and a party's price per family.

A flight's fares arrive either as one price per cabin, ``{"economy": 1250000}`` (the
shape from before families: it means the standard family), or per family,
``{"economy": {"light": 990000, "standard": 1250000, "flex": 1900000}}``. Stored, both
are ``{cabin: {family: amount}}``. Every cabin has a standard price: it is the price
ticket gives the cabin's seats and the one ``flights.fares`` keeps.
"""
from common.errors import Conflict, InvalidInput

STANDARD = "standard"
# the rule columns of a family, as ``fare_quote`` and the catalogue answer them
RULES = ("refundable", "refund_fee_percent", "changeable", "change_fee_percent", "free_seat_choice",
         "checked_bag_kg")


def by_family(fares):
    """``{cabin: {family: amount}}`` of either input shape (an int per cabin is its standard price)."""
    return {cabin: ({STANDARD: prices} if isinstance(prices, int) else dict(prices))
            for cabin, prices in fares.items()}


def standard_fares(fares_by_family):
    """``{cabin: standard amount}``: what ``flights.fares`` and ticket's seat prices keep."""
    return {cabin: prices[STANDARD] for cabin, prices in fares_by_family.items()}


def check_families(fares_by_family, ranks):
    """Every family named must be in the catalogue (``ranks``: code → rank), every cabin needs
    a standard price, and a family ranked higher may not cost less than one ranked lower in
    the same cabin (flex is never cheaper than light). InvalidInput naming each problem."""
    problems = {}
    for cabin, prices in sorted(fares_by_family.items()):
        unknown = sorted(set(prices) - set(ranks))
        if unknown:
            problems[cabin] = [f"Unknown fare family: {', '.join(unknown)} (known: {', '.join(sorted(ranks))})."]
            continue
        if STANDARD not in prices:
            problems[cabin] = ["Every cabin needs a standard fare (the one price of the old shape)."]
            continue
        ordered = sorted(prices, key=ranks.get)
        for lower, higher in zip(ordered, ordered[1:]):
            if prices[higher] < prices[lower]:
                problems[cabin] = [f"{higher} may not cost less than {lower}."]
                break
    if problems:
        raise InvalidInput("The fares do not fit the fare families.", code="FARE_FAMILIES_MISMATCH",
                           details={"fields": {"fares": problems}, "families": sorted(ranks, key=ranks.get)})


def rules(family):
    """The rules of a family row (or dict) as a plain dict."""
    return {name: _value(family, name) for name in RULES}


def _value(family, name):
    return family[name] if isinstance(family, dict) else getattr(family, name)


def quote(flight, cabin_class, family):
    """The price of one seat on ``flight`` in ``cabin_class`` sold as ``family`` (a catalogue
    row), with the rules it is sold under. Conflict ``FARE_NOT_OFFERED`` when the flight
    does not sell that family in that cabin (the request is well formed; this flight does not sell it)."""
    prices = (flight.fares_by_family or {}).get(cabin_class)
    if prices is None:
        raise Conflict(f"{flight.flight_number} has no {cabin_class} cabin.", code="FARE_NOT_OFFERED",
                           details={"fields": {"class": ["This flight has no such cabin."]},
                                    "cabins": sorted(flight.fares_by_family or {})})
    code = _value(family, "code")
    if code not in prices:
        raise Conflict(f"{flight.flight_number} does not sell {code} in {cabin_class}.",
                           code="FARE_NOT_OFFERED",
                           details={"fields": {"family": ["Not sold on this flight in this cabin."]},
                                    "families": sorted(prices)})
    return {"flight_id": str(flight.id), "flight_number": flight.flight_number, "class": cabin_class,
            "family": code, "family_name": _value(family, "name"), "amount": prices[code],
            "currency": flight.currency, "rules": rules(family)}


def catalogue_family(families, code):
    """The family ``code`` of ``families`` (code → row); InvalidInput ``UNKNOWN_FARE_FAMILY`` otherwise."""
    family = families.get(code)
    if family is None:
        raise InvalidInput("Unknown fare family.", code="UNKNOWN_FARE_FAMILY",
                           details={"fields": {"family": [f"One of {', '.join(sorted(families))}."]}})
    return family


def party_prices(legs_prices, families, passengers):
    """The price per family of a trip over one or more legs for ``passengers`` seats.

    ``legs_prices``: each leg's ``{family: amount}`` in the cabin travelled; ``families``:
    catalogue codes in rank order. A family is offered when every leg sells it. Answers
    ``[{family, per_passenger, total}]`` in rank order (the catalogue's order, cheapest-first
    in practice since a higher rank never costs less).
    """
    offered = []
    for code in families:
        if all(code in prices for prices in legs_prices):
            each = sum(prices[code] for prices in legs_prices)
            offered.append({"family": code, "per_passenger": each, "total": each * passengers})
    return offered


def lowest_by_family(fares_by_family, seats_available, passengers, cabin_class=None):
    """``{family: {class, amount}}``: each family's cheapest cabin (or ``cabin_class``) that still
    has ``passengers`` free seats (``seats_available``: class → free seats)."""
    lowest = {}
    for cabin, prices in sorted((fares_by_family or {}).items()):
        if (cabin_class and cabin != cabin_class) or seats_available.get(cabin, 0) < passengers:
            continue
        for family, amount in prices.items():
            if family not in lowest or amount < lowest[family]["amount"]:
                lowest[family] = {"class": cabin, "amount": amount}
    return lowest


def day_lowest_by_family(offers):
    """``{day: {family: fare}}``, the lowest fare per family of each day of ``(day, {family: fare})`` pairs."""
    days = {}
    for day, by_family in offers:
        best = days.setdefault(day, {})
        for family, fare in by_family.items():
            if family not in best or fare["amount"] < best[family]["amount"]:
                best[family] = fare
    return days
