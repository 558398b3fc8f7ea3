"""config.yaml read with a controlled environment, and ``Settings``, its typed view."""
import dataclasses
import re
from pathlib import Path

import pytest

from common.config import CONFIG_PATH, ROOT, Settings, load_config

# every ${VAR:default} config.yaml reads from the environment
ENV_VARS = sorted(set(re.findall(r"\$\{(\w+):", CONFIG_PATH.read_text())))
# keys that are structure for nameko or for the stores' dependency providers, not settings
STRUCTURAL_KEYS = {"serializer", "SERVICE_CONTAINER_CLS", "LOGGING", "DB_URIS", "MONGO_DATABASES"}
SERVICE_PACKAGES = ("auth", "airplane", "track", "ticket", "order", "payment", "gateway", "common")


@pytest.fixture
def clean_environment(monkeypatch):
    """No variable config.yaml reads is set: every value is config.yaml's own default."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def settings_keys():
    return {field.name.upper() if field.name != "max_workers" else field.name for field in dataclasses.fields(Settings)}


def test_defaults_point_at_local_servers(clean_environment):
    config = load_config()
    assert config["AMQP_URI"] == "pyamqp://guest:guest@127.0.0.1:5672/"
    assert config["WEB_SERVER_ADDRESS"] == "127.0.0.1:8000"
    assert config["MONGO_URI"] == "mongodb://127.0.0.1:27017"
    assert config["REDIS_URI"] == "redis://127.0.0.1:6379/0"
    assert config["DB_URIS"]["auth:Base"] == "postgresql://postgres@127.0.0.1:5432/auth"
    assert config["DB_URIS"]["airplane:Base"] == "mysql+pymysql://root@127.0.0.1:3306/airplane?charset=utf8mb4"
    assert config["MONGO_DATABASES"] == {"order": "order", "payment": "payment"}
    assert not config["REDIS_KEY_PREFIX"]  # no prefix: the YAML reads an empty value as null
    assert Settings.from_config(config).redis_key_prefix == ""


def test_default_settings(clean_environment):
    settings = Settings.from_config(load_config())
    assert settings.hold_ttl_seconds == 900 and settings.expiry_sweep_seconds == 10.0
    assert settings.access_token_ttl == 900 and settings.refresh_token_ttl == 604800
    assert settings.rpc_timeout == 5.0 and settings.max_workers == 10
    assert settings.admin_email == "" and settings.admin_password == ""
    assert settings.ticket_airline_prefix == "999"


def test_every_address_and_secret_comes_from_the_environment(clean_environment):
    config = load_config(environ={
        "POSTGRES_URI": "postgresql://u:p@db.example:6543",
        "MYSQL_URI": "mysql+pymysql://u@mysql.example:3307",
        "MONGO_URI": "mongodb://mongo.example:27018",
        "REDIS_URI": "redis://cache.example:6380/1",
        "AMQP_URI": "pyamqp://u:p@mq.example:5673/vh",
        "GATEWAY_ADDRESS": "0.0.0.0:9000",
        "JWT_SECRET": "12345",
        "ADMIN_EMAIL": "root@example.com",
        "ADMIN_PASSWORD": "007",
        "DB_PREFIX": "x_",
        "HOLD_TTL_SECONDS": "20",
    })
    assert config["DB_URIS"]["auth:Base"] == "postgresql://u:p@db.example:6543/x_auth"
    assert config["DB_URIS"]["airplane:Base"] == "mysql+pymysql://u@mysql.example:3307/x_airplane?charset=utf8mb4"
    assert config["MONGO_URI"] == "mongodb://mongo.example:27018"
    assert config["MONGO_DATABASES"] == {"order": "x_order", "payment": "x_payment"}
    assert config["REDIS_URI"] == "redis://cache.example:6380/1"
    assert config["REDIS_KEY_PREFIX"] == "x_"
    assert config["AMQP_URI"] == "pyamqp://u:p@mq.example:5673/vh"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:9000"
    # secrets stay strings even when they look like numbers
    assert config["JWT_SECRET"] == "12345"
    assert config["ADMIN_PASSWORD"] == "007"
    assert config["HOLD_TTL_SECONDS"] == 20


def test_load_config_leaves_the_environment_as_it_found_it(clean_environment, monkeypatch):
    monkeypatch.setenv("HOLD_TTL_SECONDS", "30")
    assert load_config(environ={"HOLD_TTL_SECONDS": "20", "DB_PREFIX": "y_"})["HOLD_TTL_SECONDS"] == 20
    assert load_config()["HOLD_TTL_SECONDS"] == 30 and not load_config()["REDIS_KEY_PREFIX"]


def test_settings_are_typed_even_when_the_environment_gives_strings(clean_environment):
    settings = Settings.from_config(load_config(environ={
        "JWT_SECRET": "12345", "ADMIN_PASSWORD": "007", "TICKET_AIRLINE_PREFIX": "042",
        "RPC_TIMEOUT": "2", "EXPIRY_SWEEP_SECONDS": "1", "HOLD_TTL_SECONDS": "20",
    }))
    for field in dataclasses.fields(Settings):
        assert type(getattr(settings, field.name)) is field.type, field.name
    assert settings.jwt_secret == "12345" and settings.admin_password == "007"
    assert settings.ticket_airline_prefix == "042"
    assert settings.rpc_timeout == 2.0 and settings.hold_ttl_seconds == 20


def test_settings_are_frozen(clean_environment):
    settings = Settings.from_config(load_config())
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.hold_ttl_seconds = 1


@pytest.mark.parametrize("key", sorted(settings_keys()))
def test_a_missing_key_fails_instead_of_falling_back(clean_environment, key):
    config = load_config()
    del config[key]
    with pytest.raises(KeyError, match=key):
        Settings.from_config(config)


def test_every_setting_in_config_yaml_is_in_settings_and_back(clean_environment):
    config_keys = set(load_config()) - STRUCTURAL_KEYS
    assert config_keys == settings_keys()


def test_every_config_key_the_services_read_is_in_config_yaml(clean_environment):
    """A key read from the config in service code and missing from config.yaml would be
    None (or a default written in code) in every deployment; a ``settings.x`` that is not
    a field of Settings would fail only when that line runs."""
    config_keys = set(load_config())
    fields = {field.name for field in dataclasses.fields(Settings)}
    config_read = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Za-z_]+)["']""")
    settings_read = re.compile(r"\bsettings\.([a-z_]+)\b")
    keys, attributes = {}, {}
    for package in SERVICE_PACKAGES:
        for path in Path(ROOT, package).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            if "tests" in path.relative_to(ROOT).parts or where == "common/config.py":
                continue
            source = path.read_text()
            for key in config_read.findall(source):
                keys.setdefault(key, where)
            for name in settings_read.findall(source):
                attributes.setdefault(name, where)
    assert {key: where for key, where in keys.items() if key not in config_keys} == {}
    assert {name: where for name, where in attributes.items() if name not in fields} == {}
    assert keys or attributes, "the patterns no longer find any config read: update them"
