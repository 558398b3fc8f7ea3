"""The auth API end to end, through the gateway: accounts, tokens, sessions, admin.

Every test here comes from 127.0.0.1, like everyone else's, so tests that fail
logins on purpose run on their own systems with their own Redis key scope
(``REDIS_KEY_SCOPE``): their failure counters never throttle other tests.
"""
import base64
import json
import time
import uuid

import jwt
import pytest
import sqlalchemy as sa

from common.config import Settings
from common.errors import NotFound
from common.sql import service_db_uri
from common.tokens import issue_access_token
from tests.helpers.harness import (
    GatewayClient,
    assert_error,
    build_config,
    create_vhost,
    delete_vhost,
    running_system,
    wait_until,
)

PASSWORD = "long-enough-pw"
ADMIN = {"email": "admin@example.com", "password": "admin-test-password"}


def new_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def register(http, email=None, password=PASSWORD, full_name="Ada Lovelace"):
    email = email or new_email()
    response = http.post("/auth/register", json={"email": email, "password": password, "full_name": full_name})
    assert response.status_code == 201, response.text
    return response.json()


def login(http, email, password=PASSWORD):
    response = http.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def new_session(http):
    user = register(http)
    return user, login(http, user["email"])




def scoped(**overrides):
    """Config overrides for a system with its own Redis keys (throttle counters)."""
    return {"REDIS_KEY_SCOPE": "s" + uuid.uuid4().hex[:8] + "_", **overrides}


@pytest.fixture(scope="module")
def isolated(run_prefix, mongo_uri, databases):
    """gateway + auth on the shared databases, with their own Redis scope and
    vhost, for the tests that fail logins on purpose."""
    vhost = f"{run_prefix}auth{uuid.uuid4().hex[:4]}"
    create_vhost(vhost)
    config = build_config(run_prefix, vhost, mongo_uri, **scoped())
    with running_system(config, ["gateway", "auth"]) as running:
        yield running
    delete_vhost(vhost)


# -- the session life cycle ------------------------------------------------------------

def test_register_login_me(system):
    email = new_email()
    user = register(system.http, email="  " + email.upper() + " ")
    assert set(user) == {"id", "email", "full_name", "role", "created_at"}
    assert user["email"] == email
    assert user["role"] == "customer"
    assert user["created_at"].endswith("+00:00")

    tokens = login(system.http, email.upper())
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "role", "jti", "exp", "iat", "iss"}
    assert claims["sub"] == user["id"] and claims["role"] == "customer"
    me = system.http.as_user(tokens["access_token"]).get("/auth/me")
    assert me.status_code == 200, me.text
    assert me.json() == user


def test_refresh_rotates_the_pair_and_the_old_refresh_token_stops_working(system):
    user, first = new_session(system.http)
    response = system.http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert system.http.as_user(second["access_token"]).get("/auth/me").json()["id"] == user["id"]

    third = system.http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200, third.text


def test_reusing_a_rotated_refresh_token_ends_the_whole_family(system):
    _, first = new_session(system.http)
    second = system.http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()

    replay = system.http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(replay, 401, "REFRESH_TOKEN_REUSED")
    # the thief's (or the victim's) newer tokens die with the family
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)
    assert_error(system.http.as_user(second["access_token"]).get("/auth/me"), 401, "TOKEN_REVOKED")


def test_logout_revokes_the_access_token_and_its_refresh_family_only(system):
    user, tokens = new_session(system.http)
    other = login(system.http, user["email"])
    me = system.http.as_user(tokens["access_token"])

    response = me.post("/auth/logout")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(me.get("/auth/me"), 401, "TOKEN_REVOKED")
    assert_error(me.post("/auth/logout"), 401, "TOKEN_REVOKED")
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    # another session of the same user is untouched
    assert system.http.as_user(other["access_token"]).get("/auth/me").status_code == 200
    assert system.http.post("/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 200


def test_unknown_refresh_token_is_401(system):
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": "not-a-token"}), 401,
                 "INVALID_REFRESH_TOKEN")


# -- registration rules ----------------------------------------------------------------

def test_duplicate_email_is_409_in_any_letter_case(system):
    email = new_email()
    register(system.http, email=email)
    for spelling in (email, email.upper(), "  " + email.title() + "  "):
        response = system.http.post("/auth/register",
                                    json={"email": spelling, "password": PASSWORD, "full_name": "Copy"})
        assert_error(response, 409, "EMAIL_TAKEN")


def test_concurrent_registrations_of_one_email_create_one_user(system):
    import eventlet

    email = new_email("race")
    pool = eventlet.GreenPool(4)

    def attempt(spelling):
        with GatewayClient(system.base_url) as client:  # one connection per racer
            return client.post("/auth/register",
                               json={"email": spelling, "password": PASSWORD, "full_name": "Racer"}).status_code

    statuses = sorted(pool.imap(attempt, [email, email.upper(), email, email.capitalize()]))
    assert statuses == [201, 409, 409, 409]


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


# -- bad credentials (own Redis scope) -----------------------------------------------

def test_wrong_email_and_wrong_password_answer_alike_and_take_as_long(isolated):
    user = register(isolated.http)

    def failed_login(email, password):
        started = time.monotonic()
        response = isolated.http.post("/auth/login", json={"email": email, "password": password})
        elapsed = time.monotonic() - started
        return assert_error(response, 401, "INVALID_CREDENTIALS"), elapsed

    wrong_password = [failed_login(user["email"], "not-the-password") for _ in range(2)]
    wrong_email = [failed_login(new_email("ghost"), PASSWORD) for _ in range(2)]
    assert wrong_password[0][0] == wrong_email[0][0]
    # an unknown email still pays for one argon2 verification (hundreds of ms
    # here); without the dummy hash it would answer in a few milliseconds
    fastest_wrong_email = min(elapsed for _, elapsed in wrong_email)
    fastest_wrong_password = min(elapsed for _, elapsed in wrong_password)
    assert fastest_wrong_email > 0.5 * fastest_wrong_password


# -- tokens that must be refused -------------------------------------------------------

def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def changed_payload(config, token):
    header, _, signature = token.split(".")
    return ".".join([header, _b64(dict(_claims(token), role="admin")), signature])


def wrong_signature(config, token):
    return jwt.encode(_claims(token), "some-other-secret-of-32-bytes-or-more", algorithm="HS256")


def alg_none(config, token):
    return ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64(dict(_claims(token), role="admin")), ""])


def expired(config, token):
    claims = _claims(token)
    return issue_access_token(Settings.from_config(config), claims["sub"], claims["role"], now=time.time() - 3600)[0]


def wrong_issuer(config, token):
    return jwt.encode(dict(_claims(token), iss="someone-else"), config["JWT_SECRET"], algorithm="HS256")


def missing_jti(config, token):
    claims = _claims(token)
    claims.pop("jti")
    return jwt.encode(claims, config["JWT_SECRET"], algorithm="HS256")


def garbage(config, token):
    return "not.a.jwt"


FORGERIES = {
    "changed payload": (changed_payload, "INVALID_TOKEN"),
    "wrong signature": (wrong_signature, "INVALID_TOKEN"),
    "alg none": (alg_none, "INVALID_TOKEN"),
    "expired": (expired, "TOKEN_EXPIRED"),
    "wrong issuer": (wrong_issuer, "INVALID_TOKEN"),
    "missing jti": (missing_jti, "INVALID_TOKEN"),
    "garbage": (garbage, "INVALID_TOKEN"),
}


@pytest.fixture(scope="module")
def customer_tokens(system):
    return new_session(system.http)[1]


@pytest.mark.parametrize("case", FORGERIES)
def test_forged_or_expired_tokens_are_401(system, customer_tokens, case):
    forge, code = FORGERIES[case]
    token = forge(system.config, customer_tokens["access_token"])
    assert_error(system.http.as_user(token).get("/auth/me"), 401, code)
    assert_error(system.http.as_user(token).get("/users"), 401, code)


def test_missing_or_non_bearer_authorization_is_401(system, customer_tokens):
    assert_error(system.http.get("/auth/me"), 401, "UNAUTHORIZED")
    response = system.http.get("/auth/me", headers={"Authorization": "Basic " + customer_tokens["access_token"]})
    assert_error(response, 401, "UNAUTHORIZED")


def test_a_customer_gets_403_on_admin_endpoints(system, customer_tokens):
    client = system.http.as_user(customer_tokens["access_token"])
    assert_error(client.get("/users"), 403, "FORBIDDEN")
    claims = _claims(customer_tokens["access_token"])
    assert_error(client.patch(f"/users/{claims['sub']}", json={"role": "admin"}), 403, "FORBIDDEN")


# -- administration --------------------------------------------------------------------

@pytest.fixture(scope="module")
def admin(system):
    return system.http.as_user(login(system.http, ADMIN["email"], ADMIN["password"])["access_token"])


def test_the_first_admin_from_config_is_an_admin(system, admin):
    me = admin.get("/auth/me").json()
    assert me["email"] == ADMIN["email"] and me["role"] == "admin"


def test_admin_pages_through_users(system, admin):
    created = {register(system.http)["id"] for _ in range(3)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = admin.get("/users", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = [user["id"] for user in seen]
    assert len(ids) == len(set(ids)) and created <= set(ids)
    assert [u["created_at"] for u in seen] == sorted(u["created_at"] for u in seen)
    assert all("password" not in key for user in seen for key in user)
    assert pages >= 2


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"cursor": "%%%"},
                                    {"cursor": "bm90IGEgY3Vyc29y"}, {"sort": "email"}])
def test_bad_user_list_queries_are_400(admin, params):
    assert_error(admin.get("/users", params=params), 400)


def test_admin_grants_and_removes_admin(system, admin):
    user, tokens = new_session(system.http)
    granted = admin.patch(f"/users/{user['id']}", json={"role": "admin"})
    assert granted.status_code == 200, granted.text
    assert granted.json()["role"] == "admin"
    # the new role is in the next token (refresh re-reads the user)
    promoted = system.http.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    promoted_client = system.http.as_user(promoted["access_token"])
    assert promoted_client.get("/users", params={"limit": 1}).status_code == 200

    removed = admin.patch(f"/users/{user['id']}", json={"role": "customer"})
    assert removed.status_code == 200 and removed.json()["role"] == "customer"
    # a demoted admin's sessions end now, not when its access token expires
    assert_error(promoted_client.get("/users"), 401, "TOKEN_REVOKED")
    assert_error(system.http.post("/auth/refresh", json={"refresh_token": promoted["refresh_token"]}), 401)


def test_role_change_errors(admin):
    assert_error(admin.patch(f"/users/{uuid.uuid4()}", json={"role": "admin"}), 404, "NOT_FOUND")
    assert_error(admin.patch("/users/not-a-uuid", json={"role": "admin"}), 404, "NOT_FOUND")
    assert_error(admin.patch(f"/users/{uuid.uuid4()}", json={"role": "superuser"}), 400, "VALIDATION_ERROR")
    assert_error(admin.patch(f"/users/{uuid.uuid4()}", json={}), 400, "VALIDATION_ERROR")


def test_operators_grant_admin_by_rpc(system):
    user = register(system.http)
    with system.rpc() as n:
        assert n.auth.grant_admin("  " + user["email"].upper())["role"] == "admin"
        with pytest.raises(NotFound):
            n.auth.grant_admin(new_email("nobody"))
    assert _claims(login(system.http, user["email"])["access_token"])["role"] == "admin"


def admin_rows(config, email):
    engine = sa.create_engine(service_db_uri(config, "auth"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT id, role FROM users WHERE lower(btrim(email)) = :email"), {"email": email}).all()
    finally:
        engine.dispose()


def test_first_admin_is_created_once_and_not_duplicated_on_restart(system, make_system):
    before = admin_rows(system.config, ADMIN["email"])
    assert len(before) == 1 and before[0].role == "admin"
    with make_system(services=["auth"], ADMIN_EMAIL="  Admin@Example.COM ", ADMIN_PASSWORD="another-password"):
        pass
    assert admin_rows(system.config, ADMIN["email"]) == before
    # and the password of the existing admin was not replaced
    login(system.http, ADMIN["email"], ADMIN["password"])


# -- throttling (own systems, short windows) -------------------------------------------



def assert_throttled(response):
    body = assert_error(response, 429, "TOO_MANY_REQUESTS")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 10 and body["details"]["retry_after"] == retry_after


def test_login_throttling_per_email_and_per_client(make_system):
    limits = scoped(LOGIN_MAX_FAILURES_PER_EMAIL=3, LOGIN_MAX_FAILURES_PER_CLIENT=5, LOGIN_THROTTLE_WINDOW=10)
    with make_system(services=["gateway", "auth"], **limits) as s:
        victim, bystander = register(s.http), register(s.http)

        def attempt(email, password="wrong-password"):
            return s.http.post("/auth/login", json={"email": email, "password": password})

        for _ in range(3):
            assert_error(attempt(victim["email"]), 401)
        assert_throttled(attempt(victim["email"], PASSWORD))  # even the right password
        assert attempt(bystander["email"], PASSWORD).status_code == 200  # other emails still work

        for _ in range(2):  # failures 4 and 5 from this client, on unknown emails
            assert_error(attempt(new_email("ghost")), 401)
        assert_throttled(attempt(bystander["email"], PASSWORD))

        # back to normal once the window is over
        wait_until(lambda: attempt(victim["email"], PASSWORD).status_code == 200, timeout=20)
        assert attempt(bystander["email"], PASSWORD).status_code == 200


# -- the contract ----------------------------------------------------------------------

def test_auth_endpoints_are_in_openapi_with_their_errors(system):
    paths = system.http.get("/openapi.json").json()["paths"]
    expected = {
        ("/auth/register", "post"): {"201", "400", "409"},
        ("/auth/login", "post"): {"200", "400", "401", "429"},
        ("/auth/refresh", "post"): {"200", "400", "401"},
        ("/auth/logout", "post"): {"204", "401"},
        ("/auth/me", "get"): {"200", "401"},
        ("/users", "get"): {"200", "400", "401", "403"},
        ("/users/{user_id}", "patch"): {"200", "400", "401", "403", "404", "409"},
    }
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert statuses <= set(operation["responses"]), (path, method)
    register_body = paths["/auth/register"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert register_body
