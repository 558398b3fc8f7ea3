"""The scenario data, made through the public API like an airline would.

An admin adds one wide-body model, a few airplanes and flights: search flights on
``SEARCH_ROUTES`` over ``SEARCH_DAYS`` days, ``BOOKING_FLIGHTS`` flights whose
seats the booking run sells one by one, and one flight whose first
``CONTENTION_SEATS`` seats the contention run fights over. Departures fall
between 02:00 and 14:00 UTC so the local date at every origin used here
(UTC+0 to UTC+8) is the UTC date.
"""
import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests

from bench.system import ADMIN, gateway_url, say

SEARCH_ROUTES = [("CGK", "DPS"), ("DPS", "CGK"), ("SIN", "BKK"), ("BKK", "SIN"), ("KUL", "HKG"),
                 ("HKG", "KUL"), ("LHR", "CDG"), ("CDG", "FRA"), ("FRA", "AMS"), ("AMS", "LHR")]
SEARCH_DAYS = 7
FLIGHTS_PER_ROUTE_DAY = 2
BOOKING_FLIGHTS = 10
CONTENTION_SEATS = 20
ACCOUNTS = 60  # the most virtual users of a booking scenario
PASSWORD = "bench-password-1"
SLOTS_PER_DAY = 4  # 2-hour flights every 3 hours from 02:00 UTC: no airplane overlaps
MODEL = {
    "manufacturer": "Boeing", "model": "777-300ER (bench)",
    "cabins": [{"class": "business", "rows": [1, 5], "layout": "AB-CD"},
               {"class": "economy", "rows": [6, 65], "layout": "ABC-DEF"}],
}
FARES = {"business": 450000, "economy": 125000}


class Api:
    def __init__(self):
        self.session = requests.Session()
        self.base = gateway_url()

    def call(self, method, path, expect=(200, 201), **kwargs):
        # set-up on a busy machine: an RPC deadline passed (503) is tried again, not a failed run
        for pause in (1, 2, 4, 8, None):
            response = self.session.request(method, self.base + path, timeout=30, **kwargs)
            if response.status_code != 503 or pause is None:
                break
            time.sleep(pause)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path} -> {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def login_admin(self):
        tokens = self.call("POST", "/auth/login", json=ADMIN)
        self.session.headers["Authorization"] = f"Bearer {tokens['access_token']}"


def seat_map(api, flight_id, deadline=60):
    """The seat map once ticket has built the inventory (it follows flight_scheduled)."""
    stop = time.monotonic() + deadline
    while True:
        response = api.session.get(f"{api.base}/flights/{flight_id}/seats", timeout=30)
        if response.status_code == 200:
            return response.json()
        if time.monotonic() > stop:
            raise RuntimeError(f"no seat map for {flight_id}: {response.status_code} {response.text[:200]}")
        time.sleep(0.3)


def prepare():
    api = Api()
    api.login_admin()
    stamp = int(time.time()) % 100000  # a reused bench system already has earlier runs' data
    model = api.call("POST", "/airplane-models", json=dict(MODEL, model=f"{MODEL['model']} {stamp}"))
    per_day = len(SEARCH_ROUTES) * FLIGHTS_PER_ROUTE_DAY
    fleet = -(-per_day // SLOTS_PER_DAY)  # search airplanes; one more flies the booking flights
    airplanes = [
        api.call("POST", "/airplanes", json={"registration": f"BN-{stamp:05d}{n}", "model_id": model["id"]})["id"]
        for n in range(fleet + 1)
    ]
    first_day = (datetime.now(UTC) + timedelta(days=10)).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.monotonic()
    routes, flight_ids, number = set(), [], itertools.count(100)
    for day in range(SEARCH_DAYS):
        legs = [route for route in SEARCH_ROUTES for _ in range(FLIGHTS_PER_ROUTE_DAY)]
        for k, (origin, destination) in enumerate(legs):
            flight = schedule(api, airplanes[k % fleet], origin, destination, slot(first_day, day, k // fleet),
                              next(number))
            routes.add((origin, destination, flight["departure_at"][:10]))
            flight_ids.append(flight["id"])
    extra = [schedule(api, airplanes[fleet], "CGK", "DPS", slot(first_day, SEARCH_DAYS + n // SLOTS_PER_DAY,
                                                                 n % SLOTS_PER_DAY), next(number))["id"]
             for n in range(BOOKING_FLIGHTS + 1)]
    booking_ids, contention_id = extra[:-1], extra[-1]
    booking_seats, contention_seats = [], []
    try:
        for flight_id in booking_ids:
            booking_seats += [[flight_id, s["seat"]] for s in seat_map(api, flight_id)["seats"]
                              if s["status"] == "available"]
        contention_seats = [s["seat"] for s in seat_map(api, contention_id)["seats"]][:CONTENTION_SEATS]
    except RuntimeError as exc:  # no seat inventory: the seat map and booking runs are skipped
        say(f"WARNING: {exc}")
    accounts = customer_tokens(ACCOUNTS)
    say(f"scenario data: {len(flight_ids) + len(extra)} flights, {len(booking_seats)} bookable seats "
        f"({time.monotonic() - started:.0f} s)")
    return {
        "routes": sorted(routes),
        "seat_map_flights": flight_ids + booking_ids,
        "booking_seats": booking_seats,
        "contention": {"flight_id": contention_id, "seats": contention_seats},
        "tokens": accounts,
    }


def customer_tokens(count):
    """Register and log in one customer per virtual user, before any clock starts.

    Password hashing is deliberately slow; doing it here keeps the booking
    figures about bookings (the locust users pick up these tokens).
    """
    def one(n):
        api = Api()
        email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        # 409: a retried sign-up whose first attempt went through after its deadline
        api.call("POST", "/auth/register", expect=(201, 409),
                 json={"email": email, "password": PASSWORD, "full_name": f"Bench {n}"})
        return api.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})["access_token"]

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, range(count)))


def slot(first_day, day, index):
    """Departure ``index`` of ``day``: 2-hour flights every 3 hours from 02:00 UTC."""
    return first_day + timedelta(days=day, hours=2 + 3 * index)


def schedule(api, airplane_id, origin, destination, departure, number):
    return api.call("POST", "/flights", json={
        "flight_number": f"BN{number}", "airplane_id": airplane_id, "origin": origin, "destination": destination,
        "departure_at": departure.isoformat(), "arrival_at": (departure + timedelta(hours=2)).isoformat(),
        "fares": FARES, "currency": "USD",
    })
