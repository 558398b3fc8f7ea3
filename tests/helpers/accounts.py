"""Accounts through the gateway: registering, signing in, the first admin."""
import uuid

import jwt
import sqlalchemy as sa

from common.sql import service_db_uri

PASSWORD = "long-enough-pw"


def new_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def register(http, email=None, password=PASSWORD, full_name="Ada Lovelace"):
    """``POST /auth/register``; the new user."""
    email = email or new_email()
    response = http.post("/auth/register", json={"email": email, "password": password, "full_name": full_name})
    assert response.status_code == 201, response.text
    return response.json()


def login(http, email, password=PASSWORD):
    """``POST /auth/login``; the token pair."""
    response = http.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def new_session(http):
    """A freshly registered user and its token pair."""
    user = register(http)
    return user, login(http, user["email"])


def admin_client(system):
    """Signed in as the first admin (ADMIN_EMAIL / ADMIN_PASSWORD of the test config)."""
    tokens = login(system.http, system.config["ADMIN_EMAIL"], system.config["ADMIN_PASSWORD"])
    return system.http.as_user(tokens["access_token"])


def gate_agent_client(system, admin=None):
    """A new user the admin made a gate agent, signed in after the grant (the role is in
    its next token): ``(client, user)``."""
    admin = admin or admin_client(system)
    user = register(system.http, full_name="Gate Agent")
    granted = admin.patch(f"/users/{user['id']}", json={"role": "gate_agent"})
    assert granted.status_code == 200 and granted.json()["role"] == "gate_agent", granted.text
    return system.http.as_user(login(system.http, user["email"])["access_token"]), user


def customer_client(system):
    """A freshly registered customer, signed in."""
    return system.http.as_user(new_session(system.http)[1]["access_token"])


def claims_of(token):
    """The claims of an access token, unverified (to read or to forge them)."""
    return jwt.decode(token, options={"verify_signature": False})


def users_with_email(config, email):
    """``[(id, role)]`` of the auth database's users with ``email`` (in any spelling)."""
    engine = sa.create_engine(service_db_uri(config, "auth"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT id, role FROM users WHERE lower(btrim(email)) = :email"),
                                {"email": email.strip().lower()}).all()
    finally:
        engine.dispose()
