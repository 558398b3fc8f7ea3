"""The one place configuration is read: ``config.yaml`` loaded as ``nameko run --config``
loads it, and ``Settings``, its typed view, built once per process or container.

Every default lives in ``config.yaml`` (``${VAR:default}``); nothing here repeats one.
A key missing from the config is an error at start-up, not a silent fallback.

    settings = Settings.from_config(load_config())
    settings.hold_ttl_seconds        # int

Inside a service, ``settings = SettingsProvider()`` gives every worker the container's
``Settings`` (built once, when the container starts).
"""
import dataclasses
import os
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser
from nameko.extensions import DependencyProvider

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yaml"

setup_yaml_parser()


def load_config(path=CONFIG_PATH, environ=None):
    """Return the config dict with env substitution applied.

    ``environ`` temporarily replaces ``os.environ`` entries (useful for tests and
    for scripts that compute per-run values such as database prefixes).
    """
    saved = {}
    try:
        for key, value in (environ or {}).items():
            saved[key] = os.environ.get(key)
            os.environ[key] = str(value)
        with open(path) as handle:
            return yaml.safe_load(handle)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclasses.dataclass(frozen=True)
class Settings:
    """config.yaml, typed. Field names are the config keys in lower case."""

    amqp_uri: str
    web_server_address: str
    max_workers: int
    mongo_uri: str
    redis_uri: str
    redis_key_prefix: str
    # RPC deadlines, seconds
    rpc_timeout: float
    health_timeout: float
    # auth
    jwt_secret: str
    jwt_issuer: str
    access_token_ttl: int
    refresh_token_ttl: int
    admin_email: str
    admin_password: str
    login_max_failures_per_email: int
    login_max_failures_per_client: int
    login_throttle_window: int
    # flights and booking
    min_turnaround_minutes: int
    hold_ttl_seconds: int
    expiry_sweep_seconds: float
    event_max_attempts: int
    event_retry_pause_seconds: float
    payment_announce_grace_seconds: float
    ticket_event_relay_seconds: float
    track_event_relay_seconds: float
    order_event_relay_seconds: float
    ticket_airline_prefix: str
    search_cache_ttl: float

    @classmethod
    def from_config(cls, config):
        values = {}
        for field in dataclasses.fields(cls):
            key = _CONFIG_KEYS.get(field.name, field.name.upper())
            if key not in config:
                raise KeyError(f"config.yaml has no {key}")
            raw = config[key]
            values[field.name] = "" if raw is None and field.type is str else field.type(raw)
        return cls(**values)


# nameko's own keys keep nameko's spelling
_CONFIG_KEYS = {"max_workers": "max_workers"}


class SettingsProvider(DependencyProvider):
    """``self.settings`` in a service: the container's ``Settings``, built at setup."""

    def setup(self):
        self.settings = Settings.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
