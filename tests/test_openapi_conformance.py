"""Every documented route of the gateway, called for real, answers what /openapi.json says.

One walk through a running system touches each operation of the document (admin and
customer sessions, a fleet, a flight, a booking paid, ticketed and refunded, a flight
cancelled). Each answer is checked by schemathesis against the document: its status
must be documented, and its body must match that status's schema. Response schemas are
strict (``additionalProperties: false`` and the schema's required fields), so a field
the document lacks, or a required one missing, fails. Drifts are collected, not stopped
at, so one run names every route that differs. The set of operations exercised must
equal the set documented: a new route without a call here fails the test.
"""
import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import schemathesis

from tests.helpers import wait_until
from tests.helpers.fleet import unique_flight_number

PASSWORD = "a-long-conformance-password"
GOOD_CARD = {"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}
CABINS = [
    {"class": "business", "rows": [1, 2], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 10], "layout": "ABC-DEF"},
]


def failure_text(error):
    """One line per failure: what is wrong, without the schema and value dumps."""
    failures = getattr(error, "exceptions", None) or [error]
    return "; ".join(str(getattr(f, "message", f)).strip().splitlines()[0] for f in failures)


class Conformance:
    """Calls the gateway and checks each answer against the document it serves."""

    def __init__(self, system, schema):
        self.system = system
        self.schema = schema
        self.document = schema.raw_schema
        self.exercised = set()
        self.drifts = []

    @property
    def documented(self):
        return {
            (method.upper(), path)
            for path, operations in self.document["paths"].items()
            for method in operations
        }

    def call(self, client, method, template, expect, path=None, **kwargs):
        """``client.request(method, path)`` for the operation ``template``; returns the response."""
        response = client.request(method, path or template, **kwargs)
        assert response.status_code == expect, f"{method} {path or template}: {response.status_code} {response.text}"
        self.check(method, template, response)
        return response

    def check(self, method, template, response):
        self.exercised.add((method, template))
        where = f"{method} {template} -> {response.status_code}"
        documented = self.document["paths"].get(template, {}).get(method.lower(), {}).get("responses", {})
        if str(response.status_code) not in documented:
            self.drifts.append(f"{where}: status not documented (documented: {sorted(documented)})")
            return
        try:
            self.schema[template][method].validate_response(response)
        except (AssertionError, BaseExceptionGroup) as error:
            self.drifts.append(f"{where}: {failure_text(error)}")


@pytest.fixture
def conformance(system):
    return Conformance(system, schemathesis.openapi.from_url(system.base_url + "/openapi.json"))


def signed_in(api, client, email):
    pair = api.call(client, "POST", "/auth/login", 200, json={"email": email, "password": PASSWORD}).json()
    return client.as_user(pair["access_token"]), pair


def register(api, email, name="Conformance Customer"):
    body = {"email": email, "password": PASSWORD, "full_name": name}
    return api.call(api.system.http, "POST", "/auth/register", 201, json=body).json()


def spare_for_return(api, admin, model):
    """Another airplane of the model, for the return flight."""
    body = {"registration": f"PK-{uuid.uuid4().hex[:6].upper()}", "model_id": model["id"]}
    return api.call(admin, "POST", "/airplanes", 201, json=body).json()["id"]


def test_every_documented_route_answers_as_documented(system, conformance):
    api, http = conformance, system.http

    # -- system ----------------------------------------------------------------------------
    api.check("GET", "/health", http.get("/health"))  # 200, or 503 while a service is slow
    api.call(http, "GET", "/openapi.json", 200)
    api.call(http, "GET", "/metrics", 200)
    api.call(http, "GET", "/docs", 200)
    api.call(http, "GET", "/docs/static/{filename}", 200, path="/docs/static/swagger-ui.css")
    api.call(http, "GET", "/docs/static/{filename}", 404, path="/docs/static/no-such-file.js")
    page = api.call(http, "GET", "/", 200)
    api.call(http, "GET", "/", 304, headers={"If-None-Match": page.headers["ETag"]})
    api.call(http, "GET", "/app/{asset}", 200, path="/app/app.js")
    api.call(http, "GET", "/app/{asset}", 404, path="/app/no-such-file.js")

    # -- accounts --------------------------------------------------------------------------
    email = f"conformance-{uuid.uuid4().hex[:10]}@example.com"
    customer_user = register(api, email)
    customer, pair = signed_in(api, http, email)
    api.call(http, "POST", "/auth/refresh", 200, json={"refresh_token": pair["refresh_token"]})
    api.call(customer, "GET", "/auth/me", 200)

    admin_login = {"email": system.config["ADMIN_EMAIL"], "password": system.config["ADMIN_PASSWORD"]}
    admin_pair = api.call(http, "POST", "/auth/login", 200, json=admin_login).json()
    admin = http.as_user(admin_pair["access_token"])
    api.call(admin, "GET", "/users", 200, params={"limit": 2})
    colleague = register(api, f"conformance-admin-{uuid.uuid4().hex[:10]}@example.com", "Conformance Admin")
    api.call(admin, "PATCH", "/users/{user_id}", 200, path=f"/users/{colleague['id']}", json={"role": "admin"})
    api.call(customer, "GET", "/users", 403)

    # -- fleet -----------------------------------------------------------------------------
    model_body = {"manufacturer": "Airbus", "model": f"A320-{uuid.uuid4().hex[:6]}", "cabins": CABINS}
    model = api.call(admin, "POST", "/airplane-models", 201, json=model_body).json()
    api.call(admin, "GET", "/airplane-models", 200)
    api.call(admin, "GET", "/airplane-models/{model_id}", 200, path=f"/airplane-models/{model['id']}")
    api.call(admin, "GET", "/airplane-models/{model_id}/seats", 200, path=f"/airplane-models/{model['id']}/seats")

    def new_airplane():
        registration = f"PK-{uuid.uuid4().hex[:6].upper()}"
        body = {"registration": registration, "model_id": model["id"]}
        return api.call(admin, "POST", "/airplanes", 201, json=body).json()

    airplane, spare = new_airplane(), new_airplane()
    api.call(admin, "GET", "/airplanes", 200, params={"limit": 2})
    free_window = {"available_from": (datetime.now(UTC) + timedelta(days=300)).isoformat(),
                   "available_to": (datetime.now(UTC) + timedelta(days=301)).isoformat(), "min_seats": 10}
    api.call(admin, "GET", "/airplanes", 200, params=free_window)
    api.call(admin, "GET", "/airplanes/{airplane_id}", 200, path=f"/airplanes/{airplane['id']}")
    api.call(admin, "GET", "/airplanes/{airplane_id}", 404, path="/airplanes/no-such-airplane")
    maintenance = f"/airplanes/{airplane['id']}/maintenance"
    starts = (datetime.now(UTC) + timedelta(days=200)).replace(microsecond=0)
    window = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(days=1)).isoformat(), "reason": "C-check"}
    api.call(admin, "POST", "/airplanes/{airplane_id}/maintenance", 201, path=maintenance, json=window)
    api.call(admin, "GET", "/airplanes/{airplane_id}/maintenance", 200, path=maintenance)
    api.call(admin, "PATCH", "/airplanes/{airplane_id}", 200, path=f"/airplanes/{spare['id']}",
             json={"status": "retired"})

    # -- flights ---------------------------------------------------------------------------
    api.call(http, "GET", "/airports", 200, params={"q": "CGK"})
    departure = (datetime.now(UTC) + timedelta(days=30)).replace(second=0, microsecond=0)
    flight_body = {
        "flight_number": unique_flight_number(), "airplane_id": airplane["id"],
        "origin": "CGK", "destination": "DPS", "departure_at": departure.isoformat(),
        "arrival_at": (departure + timedelta(hours=2)).isoformat(),
        "fares": {"economy": 1250000, "business": 4500000}, "currency": "IDR",
    }
    flight = api.call(admin, "POST", "/flights", 201, json=flight_body).json()
    api.call(http, "GET", "/flights/{flight_id}", 200, path=f"/flights/{flight['id']}")
    api.call(http, "GET", "/flights/{flight_id}", 404, path="/flights/no-such-flight")
    seats = f"/flights/{flight['id']}/seats"
    wait_until(lambda: http.get(seats).status_code == 200, timeout=30, what="the flight's seat inventory")
    api.call(http, "GET", "/flights/{flight_id}/seats", 200, path=seats)
    # an aircraft swap to the airplane it already flies answers the flight unchanged
    api.call(admin, "PATCH", "/flights/{flight_id}", 200, path=f"/flights/{flight['id']}",
             json={"airplane_id": airplane["id"]})
    api.call(admin, "GET", "/admin/conflicts", 200, params={"limit": 5})
    local_date = departure.astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()
    search = {"origin": "CGK", "destination": "DPS", "date": local_date, "passengers": 1}
    api.call(http, "GET", "/flights", 200, params=search)
    api.call(http, "GET", "/airports", 200, params={"q": "jakrta"})
    status = {"flight_number": flight["flight_number"], "date": local_date}
    api.call(http, "GET", "/flights/status", 200, params=status)
    api.call(http, "GET", "/flights/status", 404, params=dict(status, flight_number="ZZ9999"))
    board = {"date": local_date, "limit": 5}
    api.call(http, "GET", "/airports/{code}/departures", 200, path="/airports/CGK/departures", params=board)
    api.call(http, "GET", "/airports/{code}/arrivals", 200, path="/airports/DPS/arrivals", params=board)
    api.call(http, "GET", "/airports/{code}/arrivals", 404, path="/airports/NOPE/arrivals", params=board)
    calendar = {"origin": "CGK", "destination": "DPS", "from": local_date, "to": local_date, "passengers": 1}
    api.call(http, "GET", "/flights/calendar", 200, params=calendar)
    api.call(http, "GET", "/flights/calendar", 200, params=dict(calendar, passengers=9, **{"class": "first"}))

    # -- fare families, a flight's prices per family, trip search ---------------------------
    families = api.call(http, "GET", "/fare-families", 200).json()["items"]
    standard = next(family for family in families if family["code"] == "standard")
    rules = {name: standard[name] for name in ("name", "refundable", "refund_fee_percent", "changeable",
                                               "change_fee_percent", "free_seat_choice", "checked_bag_kg")}
    api.call(admin, "PUT", "/fare-families/{family}", 200, path="/fare-families/standard", json=rules)
    api.call(admin, "PUT", "/fare-families/{family}", 404, path="/fare-families/gold", json=rules)
    by_family = {"economy": {"light": 990000, "standard": 1250000, "flex": 1900000}, "business": 4500000}
    api.call(admin, "PUT", "/flights/{flight_id}/fares", 200, path=f"/flights/{flight['id']}/fares",
             json={"fares": by_family})
    api.call(admin, "PUT", "/flights/{flight_id}/fares", 404, path="/flights/no-such-flight/fares",
             json={"fares": by_family})
    trip = {"origin": "CGK", "destination": "DPS", "date": local_date, "passengers": 2}
    wait_until(lambda: http.get("/itineraries", params=trip).json()["items"], timeout=30, what="a trip option")
    api.call(http, "GET", "/itineraries", 200, params=dict(trip, return_date=local_date, sort="duration"))
    api.call(http, "GET", "/itineraries", 400, params=dict(trip, cursor="forged"))

    # -- a booking: placed, paid, ticketed, refunded ----------------------------------------
    order_body = {"flight_id": flight["id"], "passengers": [{"name": "Ada Lovelace", "seat": "6A"}]}
    order = api.call(customer, "POST", "/orders", 201, json=order_body,
                     headers={"Idempotency-Key": uuid.uuid4().hex}).json()
    order_path = f"/orders/{order['id']}"
    api.call(customer, "GET", "/orders", 200, params={"limit": 5})
    api.call(customer, "POST", "/orders/{order_id}/pay", 201, path=order_path + "/pay", json=GOOD_CARD)
    wait_until(lambda: customer.get(order_path).json()["status"] == "TICKETED", timeout=30, what="TICKETED")
    api.call(customer, "GET", "/orders/{order_id}", 200, path=order_path)
    tickets = api.call(customer, "GET", "/tickets", 200).json()["items"]
    assert tickets, "the paid order has no e-ticket"
    number = tickets[0]["number"]
    api.call(customer, "GET", "/tickets/{ticket_number}", 200, path=f"/tickets/{number}")
    check_in = f"/tickets/{number}/check-in"
    api.call(customer, "POST", "/tickets/{ticket_number}/check-in", 409, path=check_in, json={})  # not open yet
    api.call(customer, "GET", "/tickets/{ticket_number}/boarding-pass", 409, path=f"/tickets/{number}/boarding-pass")
    api.call(customer, "POST", "/orders/{order_id}/cancel", 200, path=order_path + "/cancel")
    wait_until(lambda: customer.get(order_path).json()["status"] == "REFUNDED", timeout=30, what="REFUNDED")
    api.call(customer, "GET", "/orders/{order_id}", 200, path=order_path)
    api.call(customer, "GET", "/tickets/{ticket_number}", 200, path=f"/tickets/{number}")
    # the emails of that booking (ticketed, cancelled, refunded), a page at a time
    wait_until(lambda: len(customer.get("/me/notifications").json()["items"]) == 3, timeout=30,
               what="the booking's three emails")
    first = api.call(customer, "GET", "/me/notifications", 200, params={"limit": 2}).json()
    api.call(customer, "GET", "/me/notifications", 200, params={"cursor": first["next_cursor"]})
    api.call(customer, "GET", "/me/notifications", 400, params={"cursor": "not-a-cursor"})

    # -- check-in, the boarding pass, the gate: a flight in 5 hours -------------------------------
    soon = (datetime.now(UTC) + timedelta(hours=5)).replace(second=0, microsecond=0)
    near = api.call(admin, "POST", "/flights", 201, json=dict(
        flight_body, flight_number=unique_flight_number(), departure_at=soon.isoformat(),
        arrival_at=(soon + timedelta(hours=2)).isoformat())).json()
    wait_until(lambda: http.get(f"/flights/{near['id']}/seats").status_code == 200, timeout=30, what="inventory")
    near_order = api.call(customer, "POST", "/orders", 201, json={
        "flight_id": near["id"], "passengers": [{"name": "Ada Lovelace", "seat": "6A"}]}).json()
    api.call(customer, "POST", "/orders/{order_id}/pay", 201, path=f"/orders/{near_order['id']}/pay", json=GOOD_CARD)
    wait_until(lambda: customer.get(f"/orders/{near_order['id']}").json()["status"] == "TICKETED", timeout=30,
               what="TICKETED")
    # a change to the later flight of the route: quoted; the standard fare's fee is money due,
    # so confirming it wants a card, and a declined one fails the change: nothing moves
    changes = f"/orders/{near_order['id']}/changes"
    change = api.call(customer, "POST", "/orders/{order_id}/changes", 201, path=changes,
                      json={"segment": 0, "flight_id": flight["id"]}).json()
    api.call(customer, "POST", "/orders/{order_id}/changes", 400, path=changes, json={"segment": -1})
    api.call(customer, "POST", "/orders/{order_id}/changes/{change_id}/confirm", 400,
             path=f"{changes}/{change['id']}/confirm", json={})
    api.call(customer, "POST", "/orders/{order_id}/changes/{change_id}/confirm", 402,
             path=f"{changes}/{change['id']}/confirm", json={"card": dict(GOOD_CARD, card_number="4000000000000002")})
    near_number = customer.get(f"/orders/{near_order['id']}").json()["tickets"][0]["number"]
    near_pass = f"/tickets/{near_number}/boarding-pass"
    api.call(http, "POST", "/tickets/{ticket_number}/check-in", 401, path=f"/tickets/{near_number}/check-in", json={})
    boarding_pass = api.call(http, "POST", "/tickets/{ticket_number}/check-in", 200,
                             path=f"/tickets/{near_number}/check-in",
                             json={"booking_ref": near_order["booking_ref"], "last_name": "Lovelace",
                                   "seat": "7C"}).json()
    api.call(customer, "GET", "/tickets/{ticket_number}/boarding-pass", 200, path=near_pass)
    api.call(customer, "GET", "/tickets/{ticket_number}/boarding-pass", 200, path=near_pass,
             params={"format": "svg"})
    gate = f"/flights/{near['id']}/boarding"
    api.call(admin, "POST", "/flights/{flight_id}/boarding", 200, path=gate, json={"bcbp": boarding_pass["bcbp"]})
    api.call(admin, "POST", "/flights/{flight_id}/boarding", 409, path=gate, json={"bcbp": boarding_pass["bcbp"]})
    api.call(customer, "POST", "/flights/{flight_id}/boarding", 403, path=gate, json={"bcbp": boarding_pass["bcbp"]})
    api.call(admin, "GET", "/flights/{flight_id}/boarding", 200, path=gate)
    api.call(customer, "GET", "/flights/{flight_id}/boarding", 403, path=gate)
    api.call(admin, "GET", "/flights/{flight_id}/boarding", 404, path="/flights/no-such-flight/boarding")

    # -- an itinerary: out and back, an adult with an infant; found by reference and last name;
    #    the staff views -----------------------------------------------------------------------
    back_flight = api.call(admin, "POST", "/flights", 201, json=dict(
        flight_body, flight_number=unique_flight_number(),
        airplane_id=spare_for_return(api, admin, model),
        origin="DPS", destination="CGK", departure_at=(departure + timedelta(days=5)).isoformat(),
        arrival_at=(departure + timedelta(days=5, hours=2)).isoformat())).json()
    wait_until(lambda: http.get(f"/flights/{back_flight['id']}/seats").status_code == 200, timeout=30,
               what="the return flight's seat inventory")
    infant_born = (datetime.now(UTC) - timedelta(days=100)).date().isoformat()
    trip = api.call(customer, "POST", "/orders", 201, json={
        "segments": [{"flight_id": flight["id"], "class": "economy", "fare": "standard"},
                     {"flight_id": back_flight["id"], "class": "economy"}],
        "passengers": [{"given_name": "Ana", "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult",
                        "document": {"type": "passport", "number": "A1234567", "country": "ID",
                                     "expires": "2031-01-01"}, "seats": ["7A", None]},
                       {"given_name": "Sari", "family_name": "Putri", "birth_date": infant_born, "type": "infant"}],
    }).json()
    api.call(customer, "POST", "/orders/{order_id}/pay", 201, path=f"/orders/{trip['id']}/pay", json=GOOD_CARD)
    wait_until(lambda: customer.get(f"/orders/{trip['id']}").json()["status"] == "TICKETED", timeout=30,
               what="the itinerary TICKETED")
    api.call(customer, "GET", "/orders/{order_id}", 200, path=f"/orders/{trip['id']}")
    booking = f"/bookings/{trip['booking_ref']}"
    api.call(http, "GET", "/bookings/{booking_ref}", 200, path=booking, params={"last_name": "putri"})
    api.call(http, "GET", "/bookings/{booking_ref}", 404, path=booking, params={"last_name": "Lovelace"})
    api.call(admin, "GET", "/admin/orders", 200, params={"booking_ref": trip["booking_ref"]})
    api.call(admin, "GET", "/admin/orders", 200, params={"email": email})
    api.call(admin, "GET", "/flights/{flight_id}/manifest", 200, path=f"/flights/{back_flight['id']}/manifest")
    api.call(http, "POST", "/bookings/{booking_ref}/cancel", 200, path=booking + "/cancel",
             json={"last_name": "PUTRI"})
    wait_until(lambda: customer.get(f"/orders/{trip['id']}").json()["status"] == "REFUNDED", timeout=30,
               what="the itinerary REFUNDED")
    api.call(customer, "GET", "/orders/{order_id}", 200, path=f"/orders/{trip['id']}")

    # an unpaid booking on a flight that is then cancelled
    pending = api.call(customer, "POST", "/orders", 201, json={
        "flight_id": flight["id"], "passengers": [{"name": "Grace Hopper", "seat": "6B"}],
    }).json()
    api.call(admin, "PATCH", "/flights/{flight_id}/status", 200, path=f"/flights/{flight['id']}/status",
             json={"status": "cancelled"})
    wait_until(lambda: customer.get(f"/orders/{pending['id']}").json()["status"] == "CANCELLED", timeout=30,
               what="CANCELLED")
    api.call(customer, "GET", "/orders/{order_id}", 200, path=f"/orders/{pending['id']}")

    # -- the end of a session ----------------------------------------------------------------
    api.call(customer, "POST", "/auth/logout", 204)
    api.call(customer, "GET", "/auth/me", 401)
    assert customer_user["email"] == email

    problems = list(api.drifts)
    problems += [f"{method} {path}: documented, not exercised" for method, path in
                 sorted(api.documented - api.exercised)]
    problems += [f"{method} {path}: exercised, not documented" for method, path in
                 sorted(api.exercised - api.documented)]
    assert not problems, "answers that differ from /openapi.json:\n" + "\n".join(problems)


def test_a_planted_drift_is_caught(system, conformance):
    """The check itself: a real answer given an extra field, or robbed of a required one, fails."""
    api = conformance
    body = {"email": f"conformance-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "full_name": "Drift"}
    real = system.http.post("/auth/register", json=body)
    user = real.json()

    def planted(answer):
        real._content = json.dumps(answer).encode()  # the real answer, headers and all, with another body
        return real

    api.check("POST", "/auth/register", real)
    assert api.drifts == []
    api.check("POST", "/auth/register", planted(dict(user, user_id=user["id"])))
    assert len(api.drifts) == 1 and "'user_id' was unexpected" in api.drifts[0], api.drifts
    api.check("POST", "/auth/register", planted({k: v for k, v in user.items() if k != "role"}))
    assert len(api.drifts) == 2 and '"role" is a required property' in api.drifts[1], api.drifts
    api.check("POST", "/auth/register", planted(dict(user, created_at="yesterday")))
    assert len(api.drifts) == 3 and "date-time" in api.drifts[2], api.drifts
