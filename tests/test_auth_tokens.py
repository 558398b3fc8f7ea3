"""Access tokens the gateway must refuse (forged, expired, missing), and roles it enforces."""
import base64
import json

import jwt
import pytest

from common.config import Settings
from common.tokens import issue_access_token
from tests.helpers import assert_error
from tests.helpers.accounts import claims_of, new_session

HOUR = 3600


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def changed_payload(config, token):
    header, _, signature = token.split(".")
    return ".".join([header, _b64(dict(claims_of(token), role="admin")), signature])


def wrong_signature(config, token):
    return jwt.encode(claims_of(token), "some-other-secret-of-32-bytes-or-more", algorithm="HS256")


def alg_none(config, token):
    return ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64(dict(claims_of(token), role="admin")), ""])


def expired(config, token):
    """The same user's token, issued an hour before the original: its lifetime
    (ACCESS_TOKEN_TTL, 900 s) ended 45 minutes before the original was issued."""
    claims = claims_of(token)
    return issue_access_token(Settings.from_config(config), claims["sub"], claims["role"], now=claims["iat"] - HOUR)[0]


def wrong_issuer(config, token):
    return jwt.encode(dict(claims_of(token), iss="someone-else"), config["JWT_SECRET"], algorithm="HS256")


def missing_jti(config, token):
    claims = claims_of(token)
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


def test_the_expired_forgery_ended_before_the_token_it_copies_began(system, customer_tokens):
    original = claims_of(customer_tokens["access_token"])
    forged = claims_of(expired(system.config, customer_tokens["access_token"]))
    assert forged["exp"] < original["iat"] and forged["sub"] == original["sub"]


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
    claims = claims_of(customer_tokens["access_token"])
    assert_error(client.patch(f"/users/{claims['sub']}", json={"role": "admin"}), 403, "FORBIDDEN")
