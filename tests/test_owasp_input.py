"""OWASP API Security Top 10 through the gateway, part 2: what callers send.

API4 unrestricted resource consumption, API3/API6 mass assignment, API8 security
misconfiguration, API9 inventory (every route the gateway answers is documented).
Every route comes from the gateway's own /openapi.json (tests/helpers/owasp.py).
"""
import json
import re
import uuid

import pytest
from nameko.web.handlers import HttpRequestHandler

from gateway.http import MAX_BODY_BYTES
from tests.helpers import assert_error
from tests.helpers.booking import DECLINED_CARD, GOOD_CARD, customer, place, schedule_flight
from tests.helpers.owasp import body_operations, caller_for, example_body, operations, world


@pytest.fixture(scope="module")
def w(system):
    return world(system)


# -- API4: unrestricted resource consumption ----------------------------------------------

def oversized_body():
    return json.dumps({"padding": "x" * (MAX_BODY_BYTES + 1)}).encode()


def test_every_body_over_the_limit_is_413_whether_its_length_is_announced_or_not(w):
    body = oversized_body()
    for operation in body_operations(w.document):
        assert 413 in operation.documented_errors, f"{operation} does not document 413"
        client, url = caller_for(w, operation), operation.url(w.path_values)
        headers = {"Content-Type": "application/json"}
        assert_error(client.request(operation.method, url, data=body, headers=headers), 413, "PAYLOAD_TOO_LARGE")
        chunked = client.request(operation.method, url, data=iter([body[:1000], body[1000:]]), headers=headers)
        assert_error(chunked, 413, "PAYLOAD_TOO_LARGE")


def paged_operations(document):
    return [op for op in operations(document) if "limit" in op.query_params]


def test_every_paged_route_documents_its_maximum_and_refuses_or_caps_a_larger_limit(w):
    routes = paged_operations(w.document)
    assert {"GET /orders", "GET /users", "GET /flights", "GET /airplanes", "GET /airports"} <= {
        str(op) for op in routes}
    for operation in routes:
        maximum = operation.query_params["limit"].get("maximum")
        assert maximum, f"{operation}: the document gives `limit` no maximum"
        for limit in (maximum + 1, 10 ** 12):
            params = {**w.query_values, "limit": limit}
            response = caller_for(w, operation).get(operation.url(w.path_values), params=params)
            if response.status_code == 400:
                body = assert_error(response, 400)
                assert "limit" in body["details"].get("fields", {}), (operation, body)
            else:
                assert response.status_code == 200, (operation, response.text)
                assert len(response.json()["items"]) <= maximum, operation


def test_login_throttle_answers_429_with_retry_after(make_system):
    with make_system(services=["gateway", "auth"], REDIS_KEY_SCOPE=f"o{uuid.uuid4().hex[:8]}_",
                     LOGIN_MAX_FAILURES_PER_EMAIL=3) as isolated:
        email = f"owasp-throttle-{uuid.uuid4().hex[:8]}@example.com"
        wrong = {"email": email, "password": "not-the-password"}
        for _ in range(3):
            assert_error(isolated.http.post("/auth/login", json=wrong), 401)
        throttled = isolated.http.post("/auth/login", json=wrong)
        body = assert_error(throttled, 429)
        assert int(throttled.headers["Retry-After"]) > 0
        assert body["details"]["retry_after"] == int(throttled.headers["Retry-After"])


def test_registration_limit_answers_429_with_retry_after(make_system):
    with make_system(services=["gateway", "auth"], REDIS_KEY_SCOPE=f"o{uuid.uuid4().hex[:8]}_",
                     LIMIT_REGISTRATIONS_PER_CLIENT=2) as isolated:
        def sign_up():
            return isolated.http.post("/auth/register", json={
                "email": f"owasp-signup-{uuid.uuid4().hex[:8]}@example.com", "password": "long-enough-pw",
                "full_name": "Sign Up"})

        for _ in range(2):
            assert sign_up().status_code == 201
        throttled = sign_up()
        body = assert_error(throttled, 429, "TOO_MANY_REGISTRATIONS")
        assert int(throttled.headers["Retry-After"]) > 0
        assert body["details"]["retry_after"] == int(throttled.headers["Retry-After"])


def test_booking_limits_answer_409_or_429_with_retry_after(make_system):
    """Card testing and order floods: LIMIT_DECLINES_PER_ORDER (409), LIMIT_DECLINES_PER_USER
    and LIMIT_ORDERS_PER_USER (429 with Retry-After). Measured in tests/test_booking_limits.py."""
    limits = {"LIMIT_ORDERS_PER_USER": 3, "LIMIT_DECLINES_PER_ORDER": 1, "LIMIT_DECLINES_PER_USER": 2}
    with make_system(REDIS_KEY_SCOPE=f"o{uuid.uuid4().hex[:8]}_", **limits) as isolated:
        flight = schedule_flight(isolated)
        client, _ = customer(isolated)
        first, second, third = (place(client, flight) for _ in range(3))
        over = client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Ann"}]})
        body = assert_error(over, 429, "TOO_MANY_ORDERS")
        assert body["details"]["retry_after"] == int(over.headers["Retry-After"]) > 0

        assert_error(client.post(f"/orders/{first['id']}/pay", json=DECLINED_CARD), 402, "PAYMENT_DECLINED")
        assert_error(client.post(f"/orders/{first['id']}/pay", json=GOOD_CARD), 409, "TOO_MANY_DECLINES")
        assert_error(client.post(f"/orders/{second['id']}/pay", json=DECLINED_CARD), 402, "PAYMENT_DECLINED")
        refused = client.post(f"/orders/{third['id']}/pay", json=GOOD_CARD)
        body = assert_error(refused, 429, "TOO_MANY_DECLINES_FOR_USER")
        assert body["details"]["retry_after"] == int(refused.headers["Retry-After"]) > 0


# The bounded password hashing (503 PASSWORD_HASHING_BUSY under a sign-up flood) is
# measured in tests/test_auth_abuse.py; the unpaid seats one customer may hold
# (LIMIT_UNPAID_SEATS_PER_FLIGHT, LIMIT_UNPAID_SEATS_TOTAL: 409 TOO_MANY_UNPAID_SEATS) in
# tests/test_booking_limits.py.


# -- API3/API6: mass assignment ------------------------------------------------------------

PRIVILEGED_FIELDS = {"role": "admin", "status": "PAID", "amount": 1, "user_id": "someone-else", "price": 0,
                     "id": "chosen-id"}


def test_every_body_refuses_privileged_fields_it_does_not_document_naming_them(w):
    failures = []
    for operation in body_operations(w.document):
        documented = set(operation.body_schema.get("properties", {}))
        client, url = caller_for(w, operation), operation.url(w.path_values)
        for name, value in PRIVILEGED_FIELDS.items():
            if name in documented:
                continue
            response = client.request(operation.method, url, json={**example_body(operation), name: value})
            fields = response.json().get("details", {}).get("fields", {}) if response.status_code == 400 else {}
            if name not in fields:
                failures.append(f"{operation} + {name!r}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


# -- API8: security misconfiguration ---------------------------------------------------------

LEAKS = re.compile(
    r"Traceback|File \"|line \d+, in|\b[A-Z]\w*(Error|Exception)\b|site-packages|sqlalchemy|psycopg|pymysql"
    r"|pymongo|nameko|werkzeug|eventlet|Expecting value|object at 0x")
GARBAGE_TEXT = "\u0000\ud800\u202e\U0001F4A9" + "\u0301" * 50
GARBAGE_PARAM = GARBAGE_TEXT.replace("\ud800", "\ufffe")  # a URL carries UTF-8: no lone surrogate
HUGE = 10 ** 40


def wrong_type(prop):
    return "not a number" if prop.get("type") in ("integer", "number", "boolean") else {"nested": [1, 2]}


def hostile_bodies(operation):
    properties = operation.body_schema.get("properties", {})
    yield "malformed", b'{"a": '
    yield "not an object", b"[1, 2, 3]"
    yield "not UTF-8", b'{"a": "\xff\xfe"}'
    yield "float overflow", b'{"a": 1e999999}'
    yield "deep nesting", b'{"a": ' * 5000 + b"1" + b"}" * 5000
    for label, values in (("wrong types", {n: wrong_type(p) for n, p in properties.items()}),
                          ("huge numbers", dict.fromkeys(properties, HUGE)),
                          ("unicode garbage", dict.fromkeys(properties, GARBAGE_TEXT))):
        yield label, json.dumps({**example_body(operation), **values}).encode()


def assert_clean_answer(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert_error(response, response.status_code)
    leak = LEAKS.search(response.text) if response.headers.get("Content-Type", "").startswith(
        "application/json") else None
    assert leak is None, f"{what}: the answer shows {leak.group(0)!r}: {response.text[:300]}"


def test_no_input_makes_any_route_fail_or_show_internals(w):
    failures = []

    def check(response, what):
        try:
            assert_clean_answer(response, what)
        except AssertionError as exc:
            failures.append(str(exc))

    for operation in operations(w.document):
        client, url = caller_for(w, operation), operation.url(w.path_values)
        if operation.body_schema is not None:
            for label, raw in hostile_bodies(operation):
                response = client.request(operation.method, url, data=raw,
                                          headers={"Content-Type": "application/json"})
                check(response, f"{operation} body {label}")
        for name in operation.query_params:
            for value in (GARBAGE_PARAM, str(HUGE), "-1", "x" * 5000):
                params = {**w.query_values, name: value}
                check(client.request(operation.method, url, params=params), f"{operation} ?{name}={value[:20]!r}")
        for name in operation.path_params:
            for value in ("%00%ff%fe", "..%2F..%2Fetc%2Fpasswd", "x" * 2000, str(HUGE), "%F0%9F%92%A9%E2%80%AE"):
                garbled = operation.url({**w.path_values, name: value})
                if operation.method != "GET" and operation.body_schema is not None:
                    response = client.request(operation.method, garbled, json=example_body(operation))
                else:
                    response = client.request(operation.method, garbled)
                check(response, f"{operation} {name}={value[:20]!r}")
    assert not failures, "\n".join(failures)


API_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def test_answers_carry_the_security_headers(w, system):
    answers = {
        "public JSON": system.http.get("/health"),
        "unknown route": system.http.get("/no/such/route"),
        "wrong method": system.http.delete("/health"),
        "no token": system.http.get("/orders"),
        "authenticated": w.alice.get("/orders"),
        "admin": w.admin.get("/users"),
        "token pair": system.http.post("/auth/login", json={"email": system.config["ADMIN_EMAIL"],
                                                             "password": system.config["ADMIN_PASSWORD"]}),
        "docs": system.http.get("/docs"),
    }
    for what, response in answers.items():
        for name, value in API_HEADERS.items():
            assert response.headers.get(name) == value, (what, name, dict(response.headers))
    for what in ("no token", "authenticated", "admin", "token pair"):
        assert answers[what].headers["Cache-Control"] == "no-store", what
    for what, response in answers.items():
        if response.headers["Content-Type"].startswith("application/json"):
            csp = response.headers.get("Content-Security-Policy", "")
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, (what, csp)
    # the Swagger UI page runs its own scripts: no JSON policy on it
    assert "Content-Security-Policy" not in answers["docs"].headers


# -- API9: improper inventory management ---------------------------------------------------

def routing_table(system):
    table = set()
    for entrypoint in system.container("gateway").entrypoints:
        if isinstance(entrypoint, HttpRequestHandler):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)
            table |= {f"{method} {path}" for method in entrypoint.method.split(",")}
    return table


def test_every_route_the_gateway_answers_is_documented_with_its_error_answers(w, system):
    assert routing_table(system) == {str(op) for op in operations(w.document)}
    for operation in operations(w.document):
        expected = set()
        if operation.needs_token:
            expected.add(401)
        if operation.staff_only:
            expected.add(403)
        if operation.path_params:
            expected.add(404)
        if operation.body_schema is not None:
            expected |= {400, 413}
        missing = expected - operation.documented_errors
        assert not missing, f"{operation} does not document {sorted(missing)}"
    by_name = {str(op): op for op in operations(w.document)}
    assert 429 in by_name["POST /auth/login"].documented_errors
    assert {429, 503} <= by_name["POST /auth/register"].documented_errors
    for conflicting in ("POST /orders", "POST /orders/{order_id}/pay", "POST /orders/{order_id}/cancel",
                        "PATCH /flights/{flight_id}/status", "PATCH /airplanes/{airplane_id}",
                        "PATCH /users/{user_id}"):
        assert 409 in by_name[conflicting].documented_errors, conflicting
