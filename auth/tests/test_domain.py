"""The auth rules as plain functions: emails, passwords, tokens, cursors, schemas."""
import uuid
from datetime import UTC, datetime

import jwt
import pytest
from argon2 import PasswordHasher, extract_parameters

from auth import domain
from auth.schemas import LoginSchema, RegisterSchema, RoleChangeSchema, UserListQuerySchema
from common.config import Settings, load_config
from common.errors import InvalidInput, Unauthorized, load_or_raise
from common.tokens import issue_access_token, verify_access_token

SETTINGS = Settings.from_config({**load_config(), "JWT_SECRET": "unit-test-secret-that-is-long-enough",
                                 "JWT_ISSUER": "flight-platform", "ACCESS_TOKEN_TTL": 900})


def test_emails_are_trimmed_and_lower_cased():
    assert domain.normalise_email("  Ada.Lovelace@Example.COM \n") == "ada.lovelace@example.com"


@pytest.mark.parametrize("password, email, problem", [
    ("short", "a@b.c", "at least 8"),
    ("x" * 257, "a@b.c", "at most 256"),
    ("ada@example.com", "Ada@Example.com", "email"),
    (" ADA@EXAMPLE.COM ", "ada@example.com", "email"),
])
def test_password_rules(password, email, problem):
    assert any(problem in message for message in domain.password_problems(password, email))


def test_an_acceptable_password_has_no_problems():
    assert domain.password_problems("correct horse battery", "ada@example.com") == []


def test_passwords_hash_with_argon2id_and_verify():
    stored = domain.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert domain.verify_password(stored, "correct horse battery")
    assert not domain.verify_password(stored, "Correct horse battery")
    assert not domain.verify_password("not-a-hash", "anything")
    assert not domain.needs_rehash(stored)


def test_an_unknown_user_costs_a_real_verification(monkeypatch):
    checked = []
    real_verify = PasswordHasher.verify

    def watched_verify(hasher, stored_hash, password):
        checked.append(stored_hash)
        return real_verify(hasher, stored_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", watched_verify)
    stored = domain.hash_password("correct horse battery")
    assert domain.verify_password(stored, "wrong guess") is False
    assert domain.verify_password(None, "wrong guess") is False
    # one full argon2 verification each, the unknown user's against a hash made with the
    # same cost parameters: as slow as a wrong password, without timing anything
    assert len(checked) == 2 and checked[0] == stored and checked[1] != stored
    assert extract_parameters(checked[1]) == extract_parameters(stored)


def test_refresh_tokens_are_random_and_stored_as_sha256():
    first, second = domain.new_refresh_token(), domain.new_refresh_token()
    assert first != second and len(first) >= 43
    digest = domain.hash_refresh_token(first)
    assert len(digest) == 64 and digest == domain.hash_refresh_token(first) != domain.hash_refresh_token(second)


def test_cursors_round_trip():
    created_at, user_id = datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=UTC), uuid.uuid4()
    assert domain.decode_cursor(domain.encode_cursor(created_at, user_id)) == (created_at, user_id)


@pytest.mark.parametrize("cursor", ["", "%%%", "bm90IGEgY3Vyc29y", "WzFd", "WyJ4IiwgInkiXQ"])
def test_bad_cursors_are_invalid_input(cursor):
    with pytest.raises(InvalidInput):
        domain.decode_cursor(cursor)


def test_register_schema_normalises_and_refuses_a_role():
    data = load_or_raise(RegisterSchema(), {"email": " Ada@Example.com ", "password": "correct horse",
                                            "full_name": "  Ada  "})
    assert data == {"email": "ada@example.com", "password": "correct horse", "full_name": "Ada"}
    with pytest.raises(InvalidInput) as error:
        load_or_raise(RegisterSchema(), {"email": "a@example.com", "password": "correct horse",
                                         "full_name": "A", "role": "admin"})
    assert set(error.value.details["fields"]) == {"role"}


def test_register_schema_refuses_the_email_as_password():
    with pytest.raises(InvalidInput) as error:
        load_or_raise(RegisterSchema(), {"email": "a@example.com", "password": "A@Example.com", "full_name": "A"})
    assert list(error.value.details["fields"]) == ["password"]


def test_login_schema_normalises_without_judging_the_format():
    assert load_or_raise(LoginSchema(), {"email": " NOT-AN-EMAIL ", "password": "x"})["email"] == "not-an-email"


def test_user_list_query_defaults_and_bounds():
    assert load_or_raise(UserListQuerySchema(), {}) == {"limit": 20, "cursor": None}
    with pytest.raises(InvalidInput):
        load_or_raise(UserListQuerySchema(), {"limit": "500"})


def test_access_tokens_carry_the_claims_and_verify():
    token, claims = issue_access_token(SETTINGS, uuid.UUID(int=1), "customer")
    assert verify_access_token(SETTINGS, token) == claims
    assert claims["exp"] - claims["iat"] == 900 and claims["sub"] == str(uuid.UUID(int=1))


@pytest.mark.parametrize("forge, code", [
    (lambda claims: jwt.encode(claims, "another-secret-that-is-long-enough!", algorithm="HS256"), "INVALID_TOKEN"),
    (lambda claims: jwt.encode(claims, None, algorithm="none"), "INVALID_TOKEN"),
    (lambda claims: jwt.encode(dict(claims, exp=claims["iat"] - 1), SETTINGS.jwt_secret), "TOKEN_EXPIRED"),
    (lambda claims: jwt.encode({k: v for k, v in claims.items() if k != "role"}, SETTINGS.jwt_secret),
     "INVALID_TOKEN"),
])
def test_forged_access_tokens_are_unauthorized(forge, code):
    _, claims = issue_access_token(SETTINGS, "u1", "customer")
    with pytest.raises(Unauthorized) as error:
        verify_access_token(SETTINGS, forge(claims))
    assert error.value.code == code


def test_each_role_may_do_what_the_ones_before_it_may():
    customer, gate_agent, admin = domain.ROLES
    assert (customer, gate_agent, admin) == ("customer", "gate_agent", "admin")
    assert domain.is_demotion(admin, gate_agent) and domain.is_demotion(gate_agent, customer)
    assert not domain.is_demotion(customer, gate_agent) and not domain.is_demotion(gate_agent, admin)
    assert not domain.is_demotion(gate_agent, gate_agent)
    assert RoleChangeSchema().load({"role": "gate_agent"}) == {"role": "gate_agent"}
