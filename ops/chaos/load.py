"""Concurrent buyers through the gateway, and the record of every answer they got.

Each buyer is a thread with its own account and HTTP session: it searches the
chaos flights, books (named seats half the time, so buyers race for them; an
Idempotency-Key on some orders, sent twice), pays (some first with a declined
card), and cancels some orders before and some after ticketing. Every request's
status is recorded; 503, 409 and 402 are expected answers, any other 5xx is a failure.
"""
import collections
import dataclasses
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests

GOOD_CARD = {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Chaos Buyer"}
DECLINED_CARD = dict(GOOD_CARD, card_number="4000000000000002")
CABINS = [{"class": "economy", "rows": [1, 4], "layout": "AC-DF"}]  # 16 seats: buyers run out and race
ORIGIN, DESTINATION = "CGK", "DPS"
REQUEST_TIMEOUT = 30
MAX_FLIGHTS = 40


class Recorder:
    """Every answer the buyers and the admin got: counts by route and status, and the failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()  # (method route, status) -> n
        self.failures = []  # every 5xx other than 503, and every request the gateway never answered
        self.idempotency_breaks = []

    def call(self, session, method, route, path, **kwargs):
        """``session.request`` with the answer recorded under ``route`` (the path without ids)."""
        try:
            response = session.request(method, session.base + path, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            self._record(method, route, 0, {"path": path, "error": f"{type(exc).__name__}: {exc}"[:300]})
            return None
        detail = None
        if response.status_code >= 500 and response.status_code != 503:
            detail = {"path": path, "status": response.status_code, "body": response.text[:300]}
        self._record(method, route, response.status_code, detail)
        return response

    def _record(self, method, route, status, failure):
        with self.lock:
            self.counts[(f"{method} {route}", status)] += 1
            if failure is not None:
                failure["at"] = datetime.now(UTC).isoformat(timespec="seconds")
                failure["request"] = f"{method} {route}"
                self.failures.append(failure)

    def status_totals(self):
        with self.lock:
            totals = collections.Counter()
            for (_, status), count in self.counts.items():
                totals[status] += count
            return totals

    def by_route(self):
        with self.lock:
            table = collections.defaultdict(dict)
            for (route, status), count in sorted(self.counts.items()):
                table[route][str(status)] = count
            return dict(table)


def session_for(base_url, token=None):
    session = requests.Session()
    session.base = base_url
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def sign_in(recorder, base_url, email, password, register=False, attempts=30):
    """A session signed in as ``email``; retried while the system answers 503 (a fault may be on)."""
    anonymous = session_for(base_url)
    for _ in range(attempts):
        if register:
            response = recorder.call(anonymous, "POST", "/auth/register", "/auth/register",
                                     json={"email": email, "password": password, "full_name": "Chaos Buyer"})
            if response is None or response.status_code not in (201, 409):
                time.sleep(1)
                continue
            register = False
        response = recorder.call(anonymous, "POST", "/auth/login", "/auth/login",
                                 json={"email": email, "password": password})
        if response is not None and response.status_code == 200:
            return session_for(base_url, response.json()["access_token"])
        time.sleep(1)
    raise RuntimeError(f"could not sign in as {email}")


class Fleet:
    """The chaos flights, created by the admin through the gateway: few seats each, all on one day."""

    def __init__(self, recorder, admin, flights_at_start):
        self.recorder = recorder
        self.admin = admin
        self.lock = threading.Lock()
        self.flight_ids = []
        self.day = (datetime.now(UTC) + timedelta(days=10)).replace(hour=1, minute=0, second=0, microsecond=0)
        self.last_added = 0.0
        self.model_id = self._created("/airplane-models", {
            "manufacturer": "Chaos", "model": f"C16-{uuid.uuid4().hex[:6]}", "cabins": CABINS})["id"]
        for _ in range(flights_at_start):
            self.add_flight()

    @property
    def date(self):
        return (self.day + timedelta(hours=7)).date().isoformat()  # the local date at CGK (UTC+7)

    def _created(self, path, body, attempts=20):
        for _ in range(attempts):
            response = self.recorder.call(self.admin, "POST", path, path, json=body)
            if response is not None and response.status_code == 201:
                return response.json()
            if response is not None and response.status_code not in (503,):
                raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
            time.sleep(1)
        raise RuntimeError(f"POST {path} kept failing")

    def add_flight(self):
        with self.lock:
            index = len(self.flight_ids)
            if index >= MAX_FLIGHTS:
                return None
            self.last_added = time.monotonic()
        registration = f"PK-{uuid.uuid4().hex[:5].upper()}"
        airplane = self._created("/airplanes", {"registration": registration, "model_id": self.model_id})
        departure = self.day + timedelta(minutes=10 * index)
        flight = self._created("/flights", {
            "flight_number": f"CH{100 + index}", "airplane_id": airplane["id"], "origin": ORIGIN,
            "destination": DESTINATION, "departure_at": departure.isoformat(),
            "arrival_at": (departure + timedelta(hours=1, minutes=50)).isoformat(),
            "fares": {"economy": 1_250_000}, "currency": "IDR",
        })
        with self.lock:
            self.flight_ids.append(flight["id"])
        return flight["id"]

    def maybe_add_flight(self):
        """Called when a buyer found every flight full; at most one new flight per 15 s."""
        with self.lock:
            if time.monotonic() - self.last_added < 15:
                return
            self.last_added = time.monotonic()
        try:
            self.add_flight()
        except RuntimeError:
            pass  # a fault is on; another buyer will ask again later


@dataclasses.dataclass
class Tally:
    tried: int = 0  # POST /orders sent
    placed: int = 0  # 201
    paid: int = 0  # pay answered 201
    ticketed_seen: int = 0
    cancelled_before_ticketing: int = 0
    cancelled_after_ticketing: int = 0
    declined: int = 0
    idempotent_replays: int = 0


class Buyer(threading.Thread):
    def __init__(self, number, recorder, fleet, base_url, stop, seed):
        super().__init__(name=f"buyer-{number}", daemon=True)
        self.recorder = recorder
        self.fleet = fleet
        self.base_url = base_url
        self.stop_event = stop
        self.random = random.Random(seed)
        self.email = f"buyer-{number}-{uuid.uuid4().hex[:8]}@example.com"
        self.password = "a-long-chaos-password"
        self.session = None
        self.tally = Tally()
        self.order_ids = set()
        self.error = None
        self.running = None  # Load's event: cleared while the checks look at a quiet system
        self.idle = threading.Event()

    def call(self, method, route, path, **kwargs):
        return self.recorder.call(self.session, method, route, path, **kwargs)

    def run(self):
        try:
            self.session = sign_in(self.recorder, self.base_url, self.email, self.password, register=True)
            while not self.stop_event.is_set():
                if not self.running.is_set():
                    self.idle.set()
                    self.running.wait()
                    self.idle.clear()
                    continue
                self.book_once()
                self.stop_event.wait(self.random.uniform(0.2, 0.6))
        except Exception as exc:  # reported in the results; the other buyers go on
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.idle.set()

    def pick_flight(self):
        response = self.call("GET", "/flights", "/flights", params={
            "origin": ORIGIN, "destination": DESTINATION, "date": self.fleet.date, "limit": 50})
        if response is None or response.status_code != 200:
            return None, []
        flights = [f["id"] for f in response.json()["items"] if f["id"] in set(self.fleet.flight_ids)]
        self.random.shuffle(flights)
        for flight_id in flights[:3]:
            seats = self.call("GET", "/flights/{id}/seats", f"/flights/{flight_id}/seats")
            if seats is None or seats.status_code != 200:
                continue
            free = [s["seat"] for s in seats.json()["seats"] if s["status"] == "available"]
            if free:
                return flight_id, free
        self.fleet.maybe_add_flight()
        return None, []

    def book_once(self):
        flight_id, free = self.pick_flight()
        if flight_id is None:
            self.stop_event.wait(1)
            return
        count = self.random.choice((1, 1, 2))
        passengers = [{"name": f"Passenger {self.random.randint(1, 999)}"} for _ in range(count)]
        if self.random.random() < 0.5:  # named seats, often the same ones other buyers want
            for passenger, seat in zip(passengers, self.random.sample(free[:4], min(count, len(free[:4])))):
                passenger["seat"] = seat
        body = {"flight_id": flight_id, "passengers": passengers}
        headers = {"Idempotency-Key": uuid.uuid4().hex} if self.random.random() < 0.3 else {}
        self.tally.tried += 1
        response = self.call("POST", "/orders", "/orders", json=body, headers=headers)
        if headers and response is not None and response.status_code in (503, 201):
            again = self.call("POST", "/orders", "/orders", json=body, headers=headers)
            self.tally.idempotent_replays += 1
            if response.status_code == 201 and again is not None and again.status_code in (200, 201) \
                    and again.json()["id"] != response.json()["id"]:
                self.recorder.idempotency_breaks.append({
                    "key": headers["Idempotency-Key"], "first": response.json()["id"], "second": again.json()["id"]})
            if response.status_code == 503:
                response = again
        if response is None or response.status_code != 201:
            return
        order = response.json()
        self.tally.placed += 1
        self.order_ids.add(order["id"])
        roll = self.random.random()
        if roll < 0.1:
            return  # left unpaid: its hold expires
        if roll < 0.2:
            self.call("POST", "/orders/{id}/cancel", f"/orders/{order['id']}/cancel")
            return
        if not self.pay(order["id"]):
            return
        roll = self.random.random()
        if roll < 0.25:
            cancelled = self.call("POST", "/orders/{id}/cancel", f"/orders/{order['id']}/cancel")
            if cancelled is not None and cancelled.status_code == 200:
                self.tally.cancelled_before_ticketing += 1
        elif roll < 0.5 and self.wait_ticketed(order["id"]):
            cancelled = self.call("POST", "/orders/{id}/cancel", f"/orders/{order['id']}/cancel")
            if cancelled is not None and cancelled.status_code == 200:
                self.tally.cancelled_after_ticketing += 1

    def pay(self, order_id):
        if self.random.random() < 0.2:
            declined = self.call("POST", "/orders/{id}/pay", f"/orders/{order_id}/pay", json=DECLINED_CARD)
            self.tally.declined += declined is not None and declined.status_code == 402
        for _ in range(4):
            response = self.call("POST", "/orders/{id}/pay", f"/orders/{order_id}/pay", json=GOOD_CARD)
            if response is not None and response.status_code == 201:
                self.tally.paid += 1
                return True
            if response is None or response.status_code != 503:
                return False  # 409 (paid by an earlier try that timed out, or expired) or 402
            self.stop_event.wait(1)
        return False

    def wait_ticketed(self, order_id, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop_event.is_set():
            response = self.call("GET", "/orders/{id}", f"/orders/{order_id}")
            if response is not None and response.status_code == 200 and response.json()["status"] == "TICKETED":
                self.tally.ticketed_seen += 1
                return True
            time.sleep(0.5)
        return False


class Load:
    """``buyers`` buyer threads until :meth:`stop`."""

    def __init__(self, system, buyers, flights, seed=11):
        self.recorder = Recorder()
        admin = sign_in(self.recorder, system.url, system.env()["ADMIN_EMAIL"], system.env()["ADMIN_PASSWORD"])
        self.fleet = Fleet(self.recorder, admin, flights)
        self.stop_event = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.buyers = [Buyer(n, self.recorder, self.fleet, system.url, self.stop_event, seed * 1000 + n)
                       for n in range(buyers)]
        for buyer in self.buyers:
            buyer.running = self.running

    def start(self):
        for buyer in self.buyers:
            buyer.start()

    def pause(self, timeout=REQUEST_TIMEOUT * 3):
        """Let every buyer finish what it is doing and wait; True once all of them are idle."""
        self.running.clear()
        deadline = time.monotonic() + timeout
        return all(buyer.idle.wait(max(0.0, deadline - time.monotonic())) for buyer in self.buyers)

    def resume(self):
        self.running.set()

    def stop(self):
        self.stop_event.set()
        self.running.set()
        for buyer in self.buyers:
            buyer.join(REQUEST_TIMEOUT * 3)

    def tally(self):
        total = collections.Counter()
        for buyer in self.buyers:
            total.update(dataclasses.asdict(buyer.tally))
        return dict(total)
