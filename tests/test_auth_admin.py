"""Administration through the gateway and by RPC: the first admin, listing users, roles."""
import uuid

import pytest

from common.errors import NotFound
from tests.helpers import assert_error
from tests.helpers.accounts import claims_of, login, new_email, new_session, register, users_with_email


def test_the_first_admin_from_config_is_an_admin(system, admin):
    me = admin.get("/auth/me").json()
    assert me["email"] == system.config["ADMIN_EMAIL"] and me["role"] == "admin"


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
    assert claims_of(login(system.http, user["email"])["access_token"])["role"] == "admin"


def test_first_admin_is_created_once_and_not_duplicated_on_restart(system, make_system):
    email, password = system.config["ADMIN_EMAIL"], system.config["ADMIN_PASSWORD"]
    before = users_with_email(system.config, email)
    assert len(before) == 1 and before[0].role == "admin"
    with make_system(services=["auth"], ADMIN_EMAIL="  Admin@Example.COM ", ADMIN_PASSWORD="another-password"):
        pass
    assert users_with_email(system.config, email) == before
    # and the password of the existing admin was not replaced
    login(system.http, email, password)
