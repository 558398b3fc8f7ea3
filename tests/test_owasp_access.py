"""OWASP API Security Top 10 through the gateway, part 1: who may do what.

API1 object-level authorisation, API5 function-level authorisation, API2 broken
authentication. Every route comes from the gateway's own /openapi.json (see
tests/helpers/owasp.py), so a new route is checked without a new test.
"""
import time
import uuid

import jwt
import pytest

from common.config import Settings
from common.tokens import issue_access_token
from tests.helpers import assert_error
from tests.helpers.owasp import example_body, operations, world


@pytest.fixture(scope="module")
def w(system):
    return world(system)


def send(client, operation, values, **kwargs):
    if operation.body_schema is not None:
        kwargs.setdefault("json", example_body(operation))
    return client.request(operation.method, operation.url(values), **kwargs)


# -- API1: broken object-level authorisation -------------------------------------------

def owned_routes(document):
    """Routes a customer may call that name an object by id: objects that belong to someone."""
    return [op for op in operations(document) if "customer" in op.roles and op.path_params]


def test_every_route_with_an_owned_id_answers_404_to_another_customer(w):
    routes = owned_routes(w.document)
    assert {str(op) for op in routes} >= {
        "GET /orders/{order_id}", "POST /orders/{order_id}/pay", "POST /orders/{order_id}/cancel",
        "GET /tickets/{ticket_number}"}
    for operation in routes:
        assert 404 in operation.documented_errors, f"{operation} does not document 404"
        assert_error(send(w.bob, operation, w.path_values), 404)
    # nothing the other customer sent changed the owner's order, and the owner still sees it
    order = w.alice.get(f"/orders/{w.path_values['order_id']}")
    assert order.status_code == 200 and order.json()["status"] == "TICKETED", order.text
    assert w.alice.get(f"/tickets/{w.path_values['ticket_number']}").status_code == 200


def test_lists_show_a_customer_only_their_own_objects(w):
    orders = w.bob.get("/orders")
    assert orders.status_code == 200 and orders.json()["items"] == [], orders.text
    tickets = w.bob.get("/tickets")
    assert tickets.status_code == 200 and tickets.json()["items"] == [], tickets.text
    assert w.bob.get("/auth/me").json()["id"] != w.alice_id


# -- API5: broken function-level authorisation -----------------------------------------

ROLES = {"customer", "gate_agent", "admin"}
GATE = ["gate_agent", "admin"]


def staff_routes(document):
    return [op for op in operations(document) if op.staff_only]


def test_the_document_says_which_roles_may_call_each_route(w):
    routes = {str(op): op.roles for op in staff_routes(w.document)}
    assert {"GET /users", "PATCH /users/{user_id}", "POST /flights", "PATCH /flights/{flight_id}/status",
            "POST /airplane-models", "POST /airplanes"} <= {route for route, roles in routes.items()
                                                             if roles == ["admin"]}
    # the gate: boarding passengers and the flight's lists
    assert {route for route, roles in routes.items() if roles == GATE} == {
        "POST /flights/{flight_id}/boarding", "GET /flights/{flight_id}/boarding", "GET /flights/{flight_id}/manifest"}
    for operation in operations(w.document):
        if operation.needs_token:
            assert operation.roles, f"{operation} needs a token but names no x-roles"
            assert set(operation.roles) <= ROLES and "admin" in operation.roles, operation


def test_every_staff_route_refuses_customers_with_403_and_strangers_with_401(w):
    for operation in staff_routes(w.document):
        assert {401, 403} <= operation.documented_errors, f"{operation} does not document 401 and 403"
        assert_error(send(w.alice, operation, w.path_values), 403, "FORBIDDEN")
        assert_error(send(w.http, operation, w.path_values), 401)
    # and the customer's attempt to make themself admin changed nothing
    assert w.alice.get("/auth/me").json()["role"] == "customer"


def test_a_gate_agent_may_call_the_gate_routes_and_no_other_staff_route(w):
    me = w.gate_agent.get("/auth/me")
    assert me.status_code == 200 and me.json()["role"] == "gate_agent", me.text
    for operation in staff_routes(w.document):
        response = send(w.gate_agent, operation, w.path_values)
        if "gate_agent" in operation.roles:
            assert response.status_code not in (401, 403), (str(operation), response.text)
        else:
            assert_error(response, 403, "FORBIDDEN")
    # the attempt to make themself admin changed nothing
    assert w.gate_agent.get("/auth/me").json()["role"] == "gate_agent"


# -- API2: broken authentication ---------------------------------------------------------

def bad_tokens(w, config):
    secret, issuer = config["JWT_SECRET"], config["JWT_ISSUER"]
    now = int(time.time())
    claims = {"sub": w.alice_id, "role": "admin", "jti": uuid.uuid4().hex, "iat": now, "exp": now + 600,
              "iss": issuer}
    settings = Settings.from_config(config)
    expired, _ = issue_access_token(settings, w.alice_id, "customer", now=now - 10 * settings.access_token_ttl)
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()
    return {
        "missing": None,
        "not bearer": ("Basic " + jwt.utils.base64url_encode(b"admin:admin").decode(), None),
        "empty bearer": ("Bearer ", None),
        "malformed": ("Bearer not.a.jwt", "INVALID_TOKEN"),
        "wrong signature": ("Bearer " + jwt.encode(claims, "x" * 48, algorithm="HS256"), "INVALID_TOKEN"),
        "alg none": (f"Bearer {header}.{payload}.", "INVALID_TOKEN"),
        "other issuer": ("Bearer " + jwt.encode(dict(claims, iss="someone-else"), secret, algorithm="HS256"),
                         "INVALID_TOKEN"),
        "no role claim": ("Bearer " + jwt.encode({k: v for k, v in claims.items() if k != "role"}, secret,
                                                 algorithm="HS256"), "INVALID_TOKEN"),
        "expired": ("Bearer " + expired, "TOKEN_EXPIRED"),
        "revoked": ("Bearer " + w.logged_out_token, "TOKEN_REVOKED"),
    }


def test_every_route_needing_a_token_refuses_every_bad_token_with_401(w, system):
    cases = bad_tokens(w, system.config)
    routes = [op for op in operations(w.document) if op.needs_token]
    assert len(routes) >= 20
    for operation in routes:
        assert 401 in operation.documented_errors, f"{operation} does not document 401"
        for case, given in cases.items():
            headers = {} if given is None else {"Authorization": given[0]}
            response = send(w.http, operation, w.path_values, headers=headers)
            body = assert_error(response, 401, given[1] if given else None)
            assert body["error"] in {"UNAUTHORIZED", "INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_REVOKED"}, (
                operation, case, body)
