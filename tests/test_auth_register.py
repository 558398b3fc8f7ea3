"""Registration rules, and the bodies the auth routes refuse (through the gateway)."""
import eventlet
import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import PASSWORD, new_email, register, users_with_email
from tests.helpers.harness import GatewayClient


def test_duplicate_email_is_409_in_any_letter_case(system):
    email = new_email()
    register(system.http, email=email)
    for spelling in (email, email.upper(), "  " + email.title() + "  "):
        response = system.http.post("/auth/register",
                                    json={"email": spelling, "password": PASSWORD, "full_name": "Copy"})
        assert_error(response, 409, "EMAIL_TAKEN")


def test_concurrent_registrations_of_one_email_create_one_user(system):
    """Four racers, one email: one account. A racer the loaded machine cannot answer in
    time gets a clean 503; when none did, exactly one won and three were told 409."""
    email = new_email("race")
    pool = eventlet.GreenPool(4)

    def attempt(spelling):
        with GatewayClient(system.base_url) as client:  # one connection per racer
            return client.post("/auth/register", json={"email": spelling, "password": PASSWORD, "full_name": "Racer"})

    responses = list(pool.imap(attempt, [email, email.upper(), email, email.capitalize()]))
    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) <= 1 and set(statuses) <= {201, 409, 503}, statuses
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "EMAIL_TAKEN")
        elif response.status_code == 503:
            assert_error(response, 503)
    if 503 not in statuses:
        assert statuses == [201, 409, 409, 409]
    # a racer that timed out may still finish: wait for the account, then there is only one
    wait_until(lambda: users_with_email(system.config, email), what=f"the account of {email}")
    assert_error(system.http.post("/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Late"}),
                 409, "EMAIL_TAKEN")
    assert len(users_with_email(system.config, email)) == 1


BAD_BODIES = {
    "missing everything": ({}, {"email", "password", "full_name"}),
    "missing password": ({"email": "a@example.com", "full_name": "A"}, {"password"}),
    "wrong types": ({"email": 42, "password": ["x"], "full_name": {"a": 1}}, {"email", "password", "full_name"}),
    "not an email": ({"email": "nobody", "password": PASSWORD, "full_name": "A"}, {"email"}),
    "short password": ({"email": "a@example.com", "password": "short", "full_name": "A"}, {"password"}),
    "password is the email": ({"email": "Ada@Example.com", "password": "ada@example.com", "full_name": "A"},
                              {"password"}),
    "huge strings": ({"email": "a" * 5000 + "@example.com", "password": "p" * 20000, "full_name": "n" * 20000},
                     {"email", "password", "full_name"}),
    "blank name": ({"email": "a@example.com", "password": PASSWORD, "full_name": "   "}, {"full_name"}),
    "asks to be admin": ({"email": "a@example.com", "password": PASSWORD, "full_name": "A", "role": "admin"},
                         {"role"}),
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_bad_register_bodies_are_400_with_field_details(system, case):
    body, fields = BAD_BODIES[case]
    email = new_email("bad")
    if body.get("email") == "a@example.com":
        body = dict(body, email=email)
    details = assert_error(system.http.post("/auth/register", json=body), 400, "VALIDATION_ERROR")["details"]
    assert set(details["fields"]) == fields
    if "email" not in fields and "full_name" in body:
        # nothing was created: the address is still free
        register(system.http, email=body["email"])


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_non_json_bodies_are_400(system, raw):
    for path in ("/auth/register", "/auth/login", "/auth/refresh"):
        response = system.http.post(path, data=raw, headers={"Content-Type": "application/json"})
        assert_error(response, 400, "MALFORMED_JSON")


def test_bad_login_and_refresh_bodies_are_400(system):
    assert_error(system.http.post("/auth/login", json={"email": "a@example.com"}), 400, "VALIDATION_ERROR")
    assert_error(system.http.post("/auth/login", json={"email": 1, "password": 2}), 400)
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": 7}), 400)
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": "x" * 1000}), 400)
