"""The auth API end to end, through the gateway: accounts, tokens, sessions, admin."""
import uuid

from common.testing import GatewayClient


def new_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def register(http, email=None, password="long-enough-pw", full_name="Ada Lovelace"):
    email = email or new_email()
    response = http.post("/auth/register", json={"email": email, "password": password, "full_name": full_name})
    assert response.status_code == 201, response.text
    return response.json()


def login(http, email, password="long-enough-pw"):
    response = http.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "details"}
    if code:
        assert body["error"] == code, body
    return body


def test_register_login_me(system):
    email = new_email()
    user = register(system.http, email="  " + email.upper() + " ")
    assert set(user) == {"id", "email", "full_name", "role", "created_at"}
    assert user["email"] == email
    assert user["role"] == "customer"
    assert "+00:00" in user["created_at"]

    tokens = login(system.http, email.upper())
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    me = system.http.as_user(tokens["access_token"]).get("/auth/me")
    assert me.status_code == 200, me.text
    assert me.json() == user
