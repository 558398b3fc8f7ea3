"""The one place configuration is read: ``config.yaml`` loaded as ``nameko run --config``
loads it, and ``Settings``, its typed view, built once per process or container.

Every default lives in ``config.yaml`` (``${VAR:default}``); nothing here repeats one.
A key missing from the config is an error at start-up, not a silent fallback.

    settings = Settings.from_config(load_config())
    settings.hold_ttl_seconds        # int

Inside a service, ``settings = SettingsProvider()`` gives every worker the container's
``Settings`` (built once, when the container starts).

``APP_ENV=production`` makes ``Settings.refusals()`` strict about secrets; a service with
``production_guard = ProductionGuard()`` will not start while it lists a problem.
"""
import dataclasses
import os
import re
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
    db_pool_size: int
    mongo_uri: str
    redis_uri: str
    redis_key_prefix: str
    app_env: str
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
    limit_registrations_per_client: int
    limit_registrations_window: int
    password_hash_concurrency: int
    password_hash_queue: int
    refresh_family_max_age: int
    trusted_proxies: str
    # flights and booking
    min_turnaround_minutes: int
    min_connection_minutes: int
    hold_ttl_seconds: int
    limit_unpaid_seats_per_flight: int
    limit_unpaid_seats_total: int
    idempotency_key_ttl_seconds: int
    change_quote_ttl_seconds: int
    min_connection_minutes: int
    booking_lookup_max_failures: int
    booking_lookup_window: int
    expiry_sweep_seconds: float
    availability_publish_seconds: float
    availability_repair_seconds: float
    event_max_attempts: int
    event_retry_pause_seconds: float
    payment_announce_grace_seconds: float
    ticket_event_relay_seconds: float
    track_event_relay_seconds: float
    order_event_relay_seconds: float
    limit_orders_per_user: int
    limit_orders_window: int
    limit_declines_per_order: int
    limit_declines_per_user: int
    limit_declines_window: int
    ticket_airline_prefix: str
    check_in_opens_hours: float
    check_in_closes_minutes: float
    check_in_announce_seconds: float
    search_cache_ttl: float
    disruption_delay_minutes: int
    disruption_move_window_hours: int
    # operating it
    metrics_port: int
    otel_exporter_otlp_endpoint: str
    # notify
    smtp_uri: str
    mail_from: str
    notify_resend_seconds: float

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

    def refusals(self):
        """Why this configuration must not run (empty: it may). Outside production only
        an unknown APP_ENV is refused, so a typo never switches the checks off."""
        if self.app_env not in APP_ENVS:
            return [f"APP_ENV is {self.app_env!r}: it must be one of {', '.join(APP_ENVS)}."]
        if self.app_env != PRODUCTION:
            return []
        problems = []
        if _is_development_value("JWT_SECRET", self.jwt_secret):
            problems.append("JWT_SECRET is a development default: set a long random one.")
        secret_bytes = len(self.jwt_secret.encode())
        if secret_bytes < MIN_JWT_SECRET_BYTES:
            problems.append(f"JWT_SECRET is {secret_bytes} bytes long: it needs at least {MIN_JWT_SECRET_BYTES}.")
        if not self.admin_password:
            problems.append("ADMIN_PASSWORD is empty: set the first administrator's password.")
        elif _is_development_value("ADMIN_PASSWORD", self.admin_password):
            problems.append("ADMIN_PASSWORD is a development default: choose your own.")
        if 0 < len(self.admin_password) < MIN_ADMIN_PASSWORD_LENGTH:
            problems.append(f"ADMIN_PASSWORD is shorter than {MIN_ADMIN_PASSWORD_LENGTH} characters.")
        return problems


# nameko's own keys keep nameko's spelling
_CONFIG_KEYS = {"max_workers": "max_workers"}

PRODUCTION = "production"
APP_ENVS = ("development", PRODUCTION)
MIN_JWT_SECRET_BYTES = 32  # HS256 keys shorter than the hash can be brute-forced offline from one token
MIN_ADMIN_PASSWORD_LENGTH = 12
# Values published in this repository for local runs (`make up`, earlier docker-compose.yml);
# config.yaml's own defaults are read from config.yaml itself.
PUBLISHED_DEVELOPMENT_SECRETS = frozenset({"admin-change-me", "compose-dev-secret-change-me"})
_DEVELOPMENT_MARKERS = ("change-me", "changeme", "dev-only")


def config_yaml_defaults(path=CONFIG_PATH):
    """``{VAR: default}`` for every ``${VAR:default}`` of config.yaml."""
    return dict(re.findall(r"\$\{(\w+):([^}]*)\}", Path(path).read_text()))


def _is_development_value(variable, value):
    lowered = value.lower()
    return (
        value == config_yaml_defaults().get(variable)
        or value in PUBLISHED_DEVELOPMENT_SECRETS
        or any(marker in lowered for marker in _DEVELOPMENT_MARKERS)
    )


class InsecureConfiguration(RuntimeError):
    """The configuration must not run in production; ``problems`` says why."""

    def __init__(self, service_name, app_env, problems):
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{service_name} refuses to start with APP_ENV={app_env}:\n{listed}\n"
                         "Set them in the environment (see .env.example).")


def check_production(settings, service_name="this service"):
    """Raise ``InsecureConfiguration`` listing every problem ``settings.refusals()`` finds."""
    problems = settings.refusals()
    if problems:
        raise InsecureConfiguration(service_name, settings.app_env, problems)


class SettingsProvider(DependencyProvider):
    """``self.settings`` in a service: the container's ``Settings``, built at setup."""

    def setup(self):
        self.settings = Settings.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings


class ProductionGuard(DependencyProvider):
    """Fails the container's start (so ``nameko run`` exits) while ``Settings.refusals()``
    lists a problem. Workers get nothing from it."""

    def setup(self):
        check_production(Settings.from_config(self.container.config), self.container.service_name)
