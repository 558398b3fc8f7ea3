"""What the OWASP API suite (tests/test_owasp_*.py) shares: the gateway's own
/openapi.json read as a list of operations, and one world of real objects
(an admin, a gate agent, three customers, a fleet, a flight, an order placed and
paid by customer A) built once per system and reused by every check.

Everything a check needs to know about a route comes from the document
(``x-roles``, path parameters, query parameters, the request body's schema), so a
new route is covered by the suite without a new test. A new kind of path parameter
needs a value in ``World.path_values``; the checks fail by name until it has one.
"""
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from tests.helpers.booking import GOOD_CARD, place, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.harness import wait_until

PASSWORD = "owasp-long-password"
_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict = field(repr=False)
    document: dict = field(repr=False, compare=False)

    def __str__(self):
        return f"{self.method} {self.path}"

    @property
    def roles(self):
        return self.spec.get("x-roles", [])

    @property
    def needs_token(self):
        return bool(self.spec.get("security"))

    @property
    def staff_only(self):
        """No customer may call it (admin, or gate agent and admin): a customer gets 403."""
        return bool(self.roles) and "customer" not in self.roles

    @property
    def path_params(self):
        return _PARAM.findall(self.path)

    @property
    def query_params(self):
        return {p["name"]: p["schema"] for p in self.spec.get("parameters", []) if p["in"] == "query"}

    @property
    def documented_errors(self):
        return {int(status) for status in self.spec["responses"] if int(status) >= 400}

    @property
    def body_schema(self):
        """The request body's JSON schema (``$ref`` resolved), or None."""
        body = self.spec.get("requestBody")
        if body is None:
            return None
        return resolve(self.document, body["content"]["application/json"]["schema"])

    def url(self, values):
        missing = [name for name in self.path_params if name not in values]
        assert not missing, f"{self}: add a value for {missing} to tests/helpers/owasp.py World.path_values"
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.path)


def resolve(document, schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def operations(document):
    return [Operation(method.upper(), path, spec, document)
            for path, methods in sorted(document["paths"].items())
            for method, spec in sorted(methods.items())]


def body_operations(document):
    return [op for op in operations(document) if op.body_schema is not None]


def caller_for(world, operation):
    """A client whose role the route admits (the admin for staff routes), else the anonymous one."""
    if not operation.needs_token:
        return world.http
    return world.admin if operation.staff_only else world.alice


# -- the world ---------------------------------------------------------------------------

@dataclass
class World:
    http: object
    admin: object
    gate_agent: object      # a user the admin made a gate agent
    alice: object           # customer A: owns the order and its ticket
    bob: object             # customer B: asks for A's things
    alice_id: str
    logged_out_token: str   # a real token whose session was ended (revoked)
    document: dict
    path_values: dict
    query_values: dict      # required query parameters (flight search)


_worlds = {}


def world(system):
    """The one world of ``system`` (built on first use)."""
    if id(system) not in _worlds:
        _worlds[id(system)] = _build(system)
    return _worlds[id(system)]


def register_and_login(http, tag):
    email = f"owasp-{tag}-{uuid.uuid4().hex[:10]}@example.com"
    registered = http.post("/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Owasp " + tag})
    assert registered.status_code == 201, registered.text
    return registered.json(), login(http, email, PASSWORD)


def login(http, email, password):
    response = http.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def gate_agent_client(http, admin):
    """A new user made a gate agent by the admin, signed in after (the role is in its next token)."""
    user, _ = register_and_login(http, "gate")
    granted = admin.patch(f"/users/{user['id']}", json={"role": "gate_agent"})
    assert granted.status_code == 200 and granted.json()["role"] == "gate_agent", granted.text
    return http.as_user(login(http, user["email"], PASSWORD))


def _build(system):
    http = system.http
    admin = http.as_user(login(http, system.config["ADMIN_EMAIL"], system.config["ADMIN_PASSWORD"]))
    alice_user, alice_token = register_and_login(http, "alice")
    _, bob_token = register_and_login(http, "bob")
    _, carol_token = register_and_login(http, "carol")
    gate_agent = gate_agent_client(http, admin)
    logout = http.as_user(carol_token).post("/auth/logout")
    assert logout.status_code == 204, logout.text
    alice = http.as_user(alice_token)

    airplane = create_airplane(admin)
    flight = schedule_flight(admin, airplane, utc_in(days=40), duration=timedelta(hours=2))
    wait_until(lambda: http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    order = place(alice, flight["id"], {"name": "Alice Owasp"})
    paid = alice.post(f"/orders/{order['id']}/pay", json=GOOD_CARD)
    assert paid.status_code == 201, paid.text
    ticketed = wait_for_status(alice, order["id"], "TICKETED")
    # a quote of a change to a dearer flight: confirming it is refused (money due), so no
    # request of the generated tests can move alice's tickets
    later = schedule_flight(admin, airplane, utc_in(days=42), duration=timedelta(hours=2),
                            fares={"economy": 1500000, "business": 5000000})
    quoted = alice.post(f"/orders/{order['id']}/changes", json={"segment": 0, "flight_id": later["id"]})
    assert quoted.status_code == 201 and quoted.json()["amount_due"] > 0, quoted.text

    document = http.get("/openapi.json").json()
    return World(
        http=http, admin=admin, gate_agent=gate_agent, alice=alice, bob=http.as_user(bob_token),
        alice_id=alice_user["id"], logged_out_token=carol_token, document=document,
        path_values={
            "order_id": order["id"], "ticket_number": ticketed["tickets"][0]["number"],
            "user_id": alice_user["id"], "model_id": airplane["model"]["id"], "airplane_id": airplane["id"],
            "flight_id": flight["id"], "filename": "swagger-ui.css", "asset": "app.js",
            "code": flight["origin"], "family": "standard", "booking_ref": order["booking_ref"],
            "change_id": quoted.json()["id"],
        },
        query_values={"origin": flight["origin"], "destination": flight["destination"],
                      "date": flight["departure_at"][:10]},
    )


def example_body(operation):
    """A body made of the documented examples of the schema's properties (what a client
    copying the document would send)."""
    schema = operation.body_schema or {}
    return {name: prop["example"] for name, prop in schema.get("properties", {}).items() if "example" in prop}
