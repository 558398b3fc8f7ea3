"""Dependency providers of the notify service."""
from nameko.extensions import DependencyProvider

from common.config import Settings, SettingsProvider
from common.logs import RequestContext
from common.rpc import BoundedRpc
from common.sql import Database as _Database
from notify.mailer import Mailer

__all__ = ["AirportZones", "BoundedRpc", "Database", "MailerProvider", "RequestContext", "SettingsProvider"]

# every timestamp leaves the database in UTC, whatever the server's time zone
UTC_SESSION = {"connect_args": {"options": "-c timezone=UTC"}}


class Database(_Database):
    def __init__(self, declarative_base, session_options=None, engine_options=None):
        super().__init__(declarative_base, session_options, dict(UTC_SESSION, **(engine_options or {})))


class MailerProvider(DependencyProvider):
    """``self.mailer``: sends over ``SMTP_URI`` as ``MAIL_FROM``."""

    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.mailer = Mailer(settings.smtp_uri, settings.mail_from)

    def get_dependency(self, worker_ctx):
        return self.mailer


class AirportZones(DependencyProvider):
    """Airport code → IANA time zone, asked of track (``list_airports``) once per code
    and kept for the container's life: an airport does not change its zone."""

    def setup(self):
        self.by_code = {}

    def get_dependency(self, worker_ctx):
        return self

    def zones(self, track, codes):
        for code in {code for code in codes if code and code not in self.by_code}:
            for airport in track.list_airports(code, 5):
                if airport.get("code") == code and airport.get("tz"):
                    self.by_code[code] = airport["tz"]
        return {code: self.by_code[code] for code in codes if code in self.by_code}
