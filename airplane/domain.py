"""Airplane rules as plain functions: seat layouts (validation and the seat list
derived from a model's cabins), airplane statuses, maintenance windows, paging.

A cabin is ``{"class": "economy", "rows": [first, last], "layout": "ABC-DEF"}``:
rows ``first..last`` (inclusive) each have the letters of ``layout``; a dash is an
aisle. No broker or database needed.
"""
import re
from datetime import UTC, datetime

from common.errors import Conflict, InvalidInput

CABIN_CLASSES = ("first", "business", "premium_economy", "economy")
# An airplane is active until retired; a retired airplane never flies again.
ACTIVE = "active"
RETIRED = "retired"
STATUSES = (ACTIVE, RETIRED)
MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_ROW = 99
MAX_SEATS_PER_ROW = 12
_LAYOUT = re.compile(r"^[A-Z]+(-[A-Z]+)*$")


def layout_problems(layout):
    """Reasons a layout string is unusable (empty list when it is fine)."""
    if not isinstance(layout, str) or not layout:
        return ["The layout must be a non-empty string such as 'ABC-DEF'."]
    if not _LAYOUT.match(layout):
        return ["Use capital letters grouped by single dashes (aisles), e.g. 'ABC-DEF'."]
    letters = layout.replace("-", "")
    problems = []
    repeated = sorted({letter for letter in letters if letters.count(letter) > 1})
    if repeated:
        problems.append(f"Repeated seat letters: {', '.join(repeated)}.")
    if len(letters) > MAX_SEATS_PER_ROW:
        problems.append(f"At most {MAX_SEATS_PER_ROW} seats per row.")
    return problems


def rows_problems(rows):
    if (not isinstance(rows, (list, tuple)) or len(rows) != 2
            or not all(isinstance(r, int) and not isinstance(r, bool) for r in rows)):
        return ["Rows must be [first, last], two whole numbers."]
    first, last = rows
    if not 1 <= first <= last <= MAX_ROW:
        return [f"Rows must satisfy 1 <= first <= last <= {MAX_ROW}."]
    return []


def cabin_problems(cabin):
    if not isinstance(cabin, dict):
        return {"cabin": ["Each cabin is an object with class, rows and layout."]}
    problems = {}
    if cabin.get("class") not in CABIN_CLASSES:
        problems["class"] = [f"Unknown cabin class; use one of {', '.join(CABIN_CLASSES)}."]
    for key, check in (("rows", rows_problems), ("layout", layout_problems)):
        found = check(cabin.get(key))
        if found:
            problems[key] = found
    return problems


def validate_cabins(cabins):
    """Raise InvalidInput (details per cabin index) unless ``cabins`` is a usable layout."""
    if not isinstance(cabins, list) or not cabins:
        raise InvalidInput("A model needs at least one cabin.",
                           details={"fields": {"cabins": ["At least one cabin is required."]}})
    problems = {}
    for index, cabin in enumerate(cabins):
        found = cabin_problems(cabin)
        if found:
            problems[str(index)] = found
    if not problems:
        overlaps = overlapping_rows(cabins)
        if overlaps:
            problems["rows"] = overlaps
    if problems:
        raise InvalidInput("The cabin layout is invalid.", code="INVALID_LAYOUT",
                           details={"fields": {"cabins": problems}})
    return cabins


def overlapping_rows(cabins):
    ordered = sorted(cabins, key=lambda cabin: cabin["rows"][0])
    return [
        f"Rows {before['rows'][0]}-{before['rows'][1]} ({before['class']}) overlap "
        f"rows {after['rows'][0]}-{after['rows'][1]} ({after['class']})."
        for before, after in zip(ordered, ordered[1:])
        if after["rows"][0] <= before["rows"][1]
    ]


def seat_positions(layout):
    """``{"A": "window", "B": "middle", "C": "aisle", ...}`` for one row."""
    groups = layout.split("-")
    letters = layout.replace("-", "")
    positions = {}
    for number, group in enumerate(groups):
        for offset, letter in enumerate(group):
            at_aisle = (offset == 0 and number > 0) or (offset == len(group) - 1 and number < len(groups) - 1)
            if letter in (letters[0], letters[-1]):
                positions[letter] = "window"
            elif at_aisle:
                positions[letter] = "aisle"
            else:
                positions[letter] = "middle"
    return positions


def derive_seats(cabins):
    """Every seat of a (valid) layout, front to back: ``[{seat, class, row, letter, position}]``."""
    seats = []
    for cabin in sorted(cabins, key=lambda cabin: cabin["rows"][0]):
        first, last = cabin["rows"]
        positions = seat_positions(cabin["layout"])
        for row in range(first, last + 1):
            for letter, position in positions.items():
                seats.append({"seat": f"{row}{letter}", "class": cabin["class"], "row": row,
                              "letter": letter, "position": position})
    return seats


def seat_counts(cabins):
    """``{class: number of seats}`` for a (valid) layout."""
    counts = {}
    for cabin in cabins:
        first, last = cabin["rows"]
        seats_per_row = len(cabin["layout"].replace("-", ""))
        counts[cabin["class"]] = counts.get(cabin["class"], 0) + (last - first + 1) * seats_per_row
    return counts


def to_utc_naive(moment):
    """An aware datetime or ISO string as naive UTC (how MariaDB stores it)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise InvalidInput("Times must be ISO 8601 with an offset.", details={"value": moment})
    if moment.tzinfo is None:
        raise InvalidInput("Times must carry an offset.", details={"value": str(moment)})
    return moment.astimezone(UTC).replace(tzinfo=None)


def check_window(starts_at, ends_at):
    """A maintenance window must end after it starts (400 otherwise)."""
    if ends_at <= starts_at:
        raise InvalidInput("The window must end after it starts.",
                           details={"fields": {"ends_at": ["Must be after starts_at."]}})


def check_can_fly(airplane):
    """A retired airplane takes no new flights or maintenance (409 AIRPLANE_RETIRED)."""
    if airplane.status == RETIRED:
        raise Conflict(f"{airplane.registration} is retired.", code="AIRPLANE_RETIRED",
                       details={"airplane_id": airplane.id})


def page_size(limit, default=DEFAULT_PAGE):
    """``limit`` as a page size in 1..MAX_PAGE (absent: ``default``)."""
    try:
        return max(1, min(int(limit or default), MAX_PAGE))
    except (TypeError, ValueError):
        raise InvalidInput("limit must be a whole number.",
                           details={"fields": {"limit": ["Not a valid integer."]}})


def models_with_seats(models, min_seats):
    """Ids of the ``models`` with at least ``min_seats`` seats in all."""
    return [model.id for model in models if sum(seat_counts(model.cabins).values()) >= min_seats]
