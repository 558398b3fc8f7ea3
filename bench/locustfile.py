"""The load: one locust user class per scenario, picked by name on the command line.

    locust -f bench/locustfile.py --headless -u 20 -r 20 -t 20s --host URL SearchUser

``bench/run.py`` runs it as a separate process (in bench/.venv) and reads its CSV.
Scenario data (routes, flight ids, seats) comes from the JSON file named by
``BENCH_DATA``; the booking scenarios write what they sold to ``BENCH_OUT``.
Every user runs closed loop (no think time): the figures are the maximum rate.
"""
import json
import os
import random
import time
from collections import deque

import gevent
from locust import FastHttpUser, constant, events, task

DATA = json.load(open(os.environ["BENCH_DATA"])) if os.environ.get("BENCH_DATA") else {}
CARD = {"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123", "holder": "Bench User"}
TICKETED_DEADLINE = float(os.environ.get("BENCH_TICKETED_DEADLINE", "10"))
# Seconds of load before the counting starts: the stats are reset then (bench/load.py adds
# them to the run time), so connection set-up and cold caches stay out of the figures.
WARMUP = float(os.environ.get("BENCH_WARMUP", "0"))
BOOKING = "booking (place, pay, until TICKETED)"

# What the booking users sold, checked by bench/run.py against the seat map.
sold = []
lost_races = []
attempted = []  # every seat a booking user tried, sold or not (a failed flow may leave a hold)


@events.test_start.add_listener
def schedule_warmup_end(environment, **kwargs):
    if WARMUP > 0:
        gevent.spawn_later(WARMUP, environment.stats.reset_all)


@events.test_stop.add_listener
def write_outcome(environment, **kwargs):
    path = os.environ.get("BENCH_OUT")
    if path:
        with open(path, "w") as handle:
            json.dump({"sold": sold, "lost_races": len(lost_races), "attempted": attempted}, handle)


class ClosedLoopUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)


class BareBaselineUser(ClosedLoopUser):
    @task
    def bare(self):
        self.client.get("/bare")


class OneHopBaselineUser(ClosedLoopUser):
    @task
    def one_hop(self):
        self.client.get("/one-hop")


class EventBaselineUser(ClosedLoopUser):
    @task
    def event(self):
        self.client.get("/event")


class SqlBaselineUser(ClosedLoopUser):
    @task
    def sql(self):
        self.client.get("/sql")


class MongoBaselineUser(ClosedLoopUser):
    @task
    def mongo(self):
        self.client.get("/mongo")


class SearchUser(ClosedLoopUser):
    @task
    def search(self):
        origin, destination, date = random.choice(DATA["routes"])
        self.client.get(
            f"/flights?origin={origin}&destination={destination}&date={date}&passengers=1",
            name="/flights?origin&destination&date",
        )


# What people type into an airport picker: typos, missing accents, codes, fragments.
AIRPORT_QUERIES = ("jakrta", "denpasar", "bali", "zurich", "sao paulo", "sydny", "new yrok", "cgk", "sin",
                   "changi", "munich", "bangkok", "kuala lumpr", "tokyo haneda", "surabya", "london", "par", "ho chi")


class AirportSearchUser(ClosedLoopUser):
    """``GET /airports?q=``: the trigram search over all 7,884 airports (never cached)."""

    @task
    def airport_search(self):
        self.client.get(f"/airports?q={random.choice(AIRPORT_QUERIES)}", name="/airports?q")


class SeatMapUser(ClosedLoopUser):
    @task
    def seat_map(self):
        self.client.get(f"/flights/{random.choice(DATA['seat_map_flights'])}/seats", name="/flights/{id}/seats")


class BookingUser(ClosedLoopUser):
    """Register and log in once, then book one seat at a time, each seat its own."""

    abstract = True

    def on_start(self):
        # accounts were registered and logged in by bench/fixtures.py, one per user
        token = _tokens.popleft() if _tokens else None
        if token is None:
            raise RuntimeError("more booking users than prepared accounts (bench/fixtures.py ACCOUNTS)")
        self.auth = {"Authorization": f"Bearer {token}"}

    def next_seat(self):
        raise NotImplementedError

    @task
    def book(self):
        choice = self.next_seat()
        if choice is None:
            gevent.sleep(0.1)
            return
        flight_id, seat = choice
        attempted.append([flight_id, seat])
        started = time.perf_counter()
        try:
            order = self.place(flight_id, seat)
            if order is not None:
                self.pay(order)
                tickets = self.until_ticketed(order)
                sold.append({"order_id": order["id"], "flight_id": flight_id, "seat": seat,
                             "tickets": [t.get("seat") for t in tickets]})
        except BookingFailed as exc:
            self.record(started, exc)
        else:
            if order is not None:
                self.record(started, None)

    def record(self, started, exception):
        events.request.fire(request_type="FLOW", name=BOOKING, response_length=0, exception=exception,
                            response_time=(time.perf_counter() - started) * 1000, context={})

    def place(self, flight_id, seat):
        body = {"flight_id": flight_id, "passengers": [{"name": "Bench Passenger", "seat": seat}]}
        with self.client.post("/orders", json=body, headers=self.auth, catch_response=True) as response:
            if response.status_code == 409 and self.races:
                response.success()  # someone else got the seat first: the expected outcome
                lost_races.append(seat)
                return None
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                raise BookingFailed(f"place_order {response.status_code}")
            return response.json()

    def pay(self, order):
        with self.client.post(f"/orders/{order['id']}/pay", json=CARD, headers=self.auth,
                              name="/orders/{id}/pay", catch_response=True) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code} {response.text[:200]}")
                raise BookingFailed(f"pay {response.status_code}")

    def until_ticketed(self, order):
        deadline = time.monotonic() + TICKETED_DEADLINE
        pause = 0.02
        while time.monotonic() < deadline:
            with self.client.get(f"/orders/{order['id']}", headers=self.auth, name="/orders/{id} (poll)",
                                 catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} {response.text[:200]}")
                    raise BookingFailed(f"get_order {response.status_code}")
                current = response.json()
            if current["status"] == "TICKETED":
                return current.get("tickets") or []
            if current["status"] not in ("PENDING_PAYMENT", "PAID"):
                raise BookingFailed(f"order ended {current['status']}")
            gevent.sleep(pause)
            pause = min(pause * 1.5, 0.25)
        raise BookingFailed(f"not TICKETED within {TICKETED_DEADLINE}s")


class BookingFailed(Exception):
    pass


_free_seats = deque()
_tokens = deque(DATA.get("tokens", []))


class BookingUserPlenty(BookingUser):
    """Flights with plenty of seats: every booking should succeed."""

    races = False

    def next_seat(self):
        if not _free_seats:
            _free_seats.extend(random.sample(DATA["booking_seats"], len(DATA["booking_seats"])))
            DATA["booking_seats"] = []  # each seat handed out once
        return _free_seats.popleft() if _free_seats else None


class ContentionUser(BookingUser):
    """Many users, few seats: each tries a random seat of the same small pool."""

    races = True

    def next_seat(self):
        flight_id, seats = DATA["contention"]["flight_id"], DATA["contention"]["seats"]
        return flight_id, random.choice(seats)
