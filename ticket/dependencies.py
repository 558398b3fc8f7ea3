"""Dependency providers and entrypoints of the ticket service."""
from nameko.timer import Timer

from common.logs import RequestContext
from common.sql import Database as _Database

__all__ = ["Database", "RequestContext", "ConfiguredTimer"]

# every timestamp leaves the database in UTC, whatever the server's time zone
UTC_SESSION = {"connect_args": {"options": "-c timezone=UTC"}}


class Database(_Database):
    def __init__(self, declarative_base, session_options=None, engine_options=None):
        super().__init__(declarative_base, session_options, dict(UTC_SESSION, **(engine_options or {})))


class ConfiguredTimer(Timer):
    """nameko's ``timer`` with its interval read from config at start-up
    (``@timer(interval=...)`` is fixed when the class is defined)."""

    def __init__(self, config_key, default, **kwargs):
        self.config_key = config_key
        self.default = default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.config_key, self.default))


configured_timer = ConfiguredTimer.decorator
