"""Sessions through the gateway: register, sign in, refresh, sign out; and the auth
routes in /openapi.json."""
from tests.helpers import assert_error
from tests.helpers.accounts import claims_of, login, new_email, new_session, register


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
    claims = claims_of(tokens["access_token"])
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
