"""Production mode: which configurations ``Settings.refusals()`` refuses, and the guard."""
import dataclasses
import secrets

import pytest

from common.config import (
    InsecureConfiguration,
    ProductionGuard,
    Settings,
    check_production,
    config_yaml_defaults,
    load_config,
)

STRONG_SECRET = secrets.token_urlsafe(48)
STRONG_PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def production():
    config = load_config(environ={
        "APP_ENV": "production", "JWT_SECRET": STRONG_SECRET, "ADMIN_PASSWORD": STRONG_PASSWORD,
    })
    return Settings.from_config(config)


def with_(settings, **changes):
    return dataclasses.replace(settings, **changes)


def test_app_env_defaults_to_development_in_config_yaml():
    assert config_yaml_defaults()["APP_ENV"] == "development"


def test_strong_secrets_pass_in_production(production):
    assert production.refusals() == []
    check_production(production)


def test_development_accepts_the_development_defaults(production):
    development = with_(production, app_env="development", jwt_secret=config_yaml_defaults()["JWT_SECRET"],
                        admin_password="")
    assert development.refusals() == []


def test_an_unknown_app_env_is_refused_so_a_typo_cannot_switch_the_checks_off(production):
    problems = with_(production, app_env="prod").refusals()
    assert len(problems) == 1 and "APP_ENV is 'prod'" in problems[0]


def test_the_config_yaml_jwt_secret_is_refused(production):
    problems = with_(production, jwt_secret=config_yaml_defaults()["JWT_SECRET"]).refusals()
    assert any("JWT_SECRET is a development default" in p for p in problems)


@pytest.mark.parametrize("published", ["compose-dev-secret-change-me", "x" * 40 + "-change-me"])
def test_published_or_marked_jwt_secrets_are_refused_even_when_long(production, published):
    assert any("JWT_SECRET is a development default" in p
               for p in with_(production, jwt_secret=published).refusals())


@pytest.mark.parametrize("secret, length", [("s" * 31, 31), ("é" * 15, 30)])
def test_a_jwt_secret_under_32_bytes_is_refused(production, secret, length):
    assert with_(production, jwt_secret=secret).refusals() == [
        f"JWT_SECRET is {length} bytes long: it needs at least 32."]


def test_32_bytes_are_enough(production):
    assert with_(production, jwt_secret="é" * 16).refusals() == []


@pytest.mark.parametrize("password, expected", [
    ("", "ADMIN_PASSWORD is empty"),
    ("admin-change-me", "ADMIN_PASSWORD is a development default"),
    ("please-change-me-now", "ADMIN_PASSWORD is a development default"),
    ("short-pw-11", "ADMIN_PASSWORD is shorter than 12 characters"),
])
def test_weak_admin_passwords_are_refused(production, password, expected):
    assert any(expected in p for p in with_(production, admin_password=password).refusals())


def test_a_12_character_admin_password_is_enough(production):
    assert with_(production, admin_password="twelve-chars").refusals() == []


def test_check_production_lists_every_problem_at_once(production):
    weak = with_(production, jwt_secret=config_yaml_defaults()["JWT_SECRET"], admin_password="admin-change-me")
    with pytest.raises(InsecureConfiguration) as raised:
        check_production(weak, "auth")
    message = str(raised.value)
    assert message.startswith("auth refuses to start with APP_ENV=production:")
    assert "JWT_SECRET is a development default" in message
    assert "ADMIN_PASSWORD is a development default" in message
    assert ".env.example" in message
    assert len(raised.value.problems) == 2


def test_the_guard_fails_the_container_setup(production):
    class Container:
        service_name = "gateway"
        config = load_config(environ={"APP_ENV": "production", "JWT_SECRET": "short", "ADMIN_PASSWORD": ""})

    container = Container()  # bind() keeps only a weak reference
    guard = ProductionGuard().bind(container, "production_guard")
    with pytest.raises(InsecureConfiguration, match="gateway refuses to start") as raised:
        guard.setup()
    assert len(raised.value.problems) == 2

    Container.config = load_config(environ={
        "APP_ENV": "production", "JWT_SECRET": STRONG_SECRET, "ADMIN_PASSWORD": STRONG_PASSWORD})
    ProductionGuard().bind(container, "production_guard").setup()
