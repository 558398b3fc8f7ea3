"""Demo data for a laptop: airplane models, airplanes and a month of flights.

``make up`` and ``make seed`` call ``seed(config)``. Everything goes through the
services over RPC, so the usual events fire (ticket builds each flight's seat
inventory from ``flight_scheduled``). Idempotent: models and airplanes are found
by name and registration, and a flight that already exists (same number, same
departure) is answered with ``FLIGHT_EXISTS`` and skipped, so a second run adds nothing.
Airports need no seeding: the track migration loads every IATA airport.
"""
from datetime import UTC, datetime, time, timedelta

from nameko.standalone.rpc import ClusterRpcProxy

from common.errors import Conflict, NotFound

MODELS = {
    "A320": {"manufacturer": "Airbus", "model": "A320-200", "cabins": [
        {"class": "business", "rows": [1, 3], "layout": "AC-DF"},
        {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"},
    ]},
    "B738": {"manufacturer": "Boeing", "model": "737-800", "cabins": [
        {"class": "economy", "rows": [1, 31], "layout": "ABC-DEF"},
    ]},
    "B789": {"manufacturer": "Boeing", "model": "787-9", "cabins": [
        {"class": "business", "rows": [1, 8], "layout": "A-DG-K"},
        {"class": "premium_economy", "rows": [20, 24], "layout": "AC-DEF-HK"},
        {"class": "economy", "rows": [30, 52], "layout": "ABC-DEF-HJK"},
    ]},
    "AT76": {"manufacturer": "ATR", "model": "72-600", "cabins": [
        {"class": "economy", "rows": [1, 18], "layout": "AC-DF"},
    ]},
}

# Fares per class in minor units (IDR and USD both have two decimals in ISO 4217).
DOMESTIC = {"currency": "IDR", "economy": 95_000_000, "premium_economy": 180_000_000, "business": 350_000_000}
REGIONAL = {"currency": "USD", "economy": 12_000, "premium_economy": 26_000, "business": 48_000}
LONG_HAUL = {"currency": "USD", "economy": 52_000, "premium_economy": 98_000, "business": 210_000}

# One airplane flies one route out and back: (registration, model, flight numbers out/back,
# origin, destination, minutes in the air, first departure UTC hh:mm, every n days, price list,
# price factor for the distance).
ROTATIONS = [
    ("PK-GLA", "A320", ("GA400", "GA401"), "CGK", "DPS", 110, "00:00", 1, DOMESTIC, 1.0),
    ("PK-GLB", "A320", ("GA310", "GA311"), "CGK", "SUB", 90, "01:00", 1, DOMESTIC, 0.8),
    ("PK-GLC", "A320", ("GA180", "GA181"), "CGK", "KNO", 140, "02:00", 1, DOMESTIC, 1.2),
    ("PK-GLD", "A320", ("GA610", "GA611"), "CGK", "UPG", 140, "03:00", 1, DOMESTIC, 1.3),
    ("PK-LJA", "B738", ("JT760", "JT761"), "SUB", "BPN", 100, "01:30", 1, DOMESTIC, 0.9),
    ("PK-LJB", "B738", ("JT550", "JT551"), "CGK", "YIA", 70, "04:30", 1, DOMESTIC, 0.6),
    ("PK-WFA", "AT76", ("IW1830", "IW1831"), "DPS", "LOP", 40, "02:30", 1, DOMESTIC, 0.5),
    ("PK-GLE", "A320", ("GA826", "GA827"), "CGK", "SIN", 105, "04:00", 2, REGIONAL, 1.0),
    ("PK-GLF", "A320", ("GA820", "GA821"), "CGK", "KUL", 120, "05:00", 2, REGIONAL, 1.1),
    ("PK-LJC", "B738", ("JT172", "JT173"), "DPS", "BKK", 245, "03:30", 2, REGIONAL, 1.8),
    ("PK-GZA", "B789", ("GA874", "GA875"), "CGK", "HND", 435, "15:00", 2, LONG_HAUL, 1.0),
    ("PK-GZB", "B789", ("GA716", "GA717"), "DPS", "SYD", 375, "14:00", 2, LONG_HAUL, 0.9),
]
# Tomorrow's GA401 (DPS 11:20 local) leaves 50 minutes late, so the airport boards and
# GET /flights/status show a delay: (flight number, days ahead, minutes late).
DELAYED = ("GA401", 1, 50)
GROUND_MINUTES = 90
DAYS = 30
BATCH = 40


def say(message):
    print(f"==> {message}", flush=True)


def fares_for(seat_counts, prices, factor):
    return {cls: int(round(prices[cls] * factor, -2)) for cls in seat_counts}


def ensure_models(rpc):
    existing = {(m["manufacturer"], m["model"]): m for m in rpc.airplane.list_models()}
    models, created = {}, 0
    for key, spec in MODELS.items():
        model = existing.get((spec["manufacturer"], spec["model"]))
        if model is None:
            model = rpc.airplane.create_model(spec)
            created += 1
        models[key] = model
    return models, created


def ensure_airplanes(rpc, models):
    existing, cursor = {}, None
    while True:
        page = rpc.airplane.list_airplanes(200, cursor)
        existing.update({a["registration"]: a for a in page["items"]})
        cursor = page["next_cursor"]
        if not cursor:
            break
    airplanes, created = {}, 0
    for registration, model_key, *_ in ROTATIONS:
        airplane = existing.get(registration)
        if airplane is None:
            airplane = rpc.airplane.create_airplane({"registration": registration, "model_id": models[model_key]["id"]})
            created += 1
        airplanes[registration] = airplane
    return airplanes, created


def planned_flights(airplanes, today, days):
    """Every flight of the next ``days`` days, starting tomorrow (UTC)."""
    for registration, _, numbers, origin, destination, minutes, first, every, prices, factor in ROTATIONS:
        airplane = airplanes[registration]
        fares = fares_for(airplane["model"]["seat_counts"], prices, factor)
        duration = timedelta(minutes=minutes)
        hour, minute = map(int, first.split(":"))
        for day in range(1, days + 1, every):
            out = datetime.combine(today + timedelta(days=day), time(hour, minute), tzinfo=UTC)
            back = out + duration + timedelta(minutes=GROUND_MINUTES)
            for number, departure, legs in ((numbers[0], out, (origin, destination)),
                                            (numbers[1], back, (destination, origin))):
                yield {
                    "flight_number": number, "airplane_id": airplane["id"], "origin": legs[0],
                    "destination": legs[1], "departure_at": departure.isoformat(),
                    "arrival_at": (departure + duration).isoformat(), "fares": fares,
                    "currency": prices["currency"],
                }


def schedule_flights(rpc, flights):
    """Schedule in parallel batches; returns (created, already there).

    A slot an operator has taken since (maintenance, a retired airplane, another
    flight) is skipped with a note rather than failing the whole seed."""
    created = existing = 0
    for start in range(0, len(flights), BATCH):
        batch = flights[start:start + BATCH]
        pending = [rpc.track.schedule_flight.call_async(flight) for flight in batch]
        for flight, reply in zip(batch, pending):
            try:
                reply.result()
                created += 1
            except Conflict as exc:
                if exc.code == "FLIGHT_EXISTS":
                    existing += 1
                else:
                    say(f"skipped {flight['flight_number']} at {flight['departure_at']}: {exc.message}")
    return created, existing


def seed(config, days=DAYS):
    with ClusterRpcProxy(config, timeout=60) as rpc:
        models, new_models = ensure_models(rpc)
        airplanes, new_airplanes = ensure_airplanes(rpc, models)
        today = datetime.now(UTC).date()
        # track serialises the flights of one airplane (a lock per airplane), so
        # batches mixing airplanes run in parallel without conflicts
        flights = sorted(planned_flights(airplanes, today, days), key=lambda f: f["departure_at"])
        new_flights, known_flights = schedule_flights(rpc, flights)
        delayed = delay_demo_flight(rpc, today)
    say(f"demo data: {new_models} new airplane models, {new_airplanes} new airplanes, "
        f"{new_flights} new flights ({known_flights} already there, {delayed} newly delayed), "
        f"{len(ROTATIONS) * 2} routes over the next {days} days")
    return {"models": new_models, "airplanes": new_airplanes, "flights": new_flights, "existing_flights": known_flights,
            "delayed": delayed}


def delay_demo_flight(rpc, today):
    """Delay the ``DELAYED`` flight once (a second run finds it delayed already); returns 0 or 1."""
    number, days_ahead, minutes = DELAYED
    try:
        legs = rpc.track.flight_status(number, (today + timedelta(days=days_ahead)).isoformat())["items"]
    except NotFound:  # not seeded that far ahead
        return 0
    leg = legs[0]
    if leg["status"] != "scheduled":
        return 0
    departure = datetime.fromisoformat(leg["departure"]["scheduled_at"]) + timedelta(minutes=minutes)
    rpc.track.change_status(leg["id"], {"status": "delayed", "departure_at": departure.isoformat()})
    return 1
