"""Dependency providers of the auth service."""
import logging

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from auth import store
from auth.domain import MIN_PASSWORD_LENGTH, hash_password, normalise_email
from auth.hashing import HashGate
from common.cache import Redis
from common.config import Settings, SettingsProvider
from common.logs import RequestContext
from common.sql import Database, service_db_uri

__all__ = ["Database", "FirstAdmin", "PasswordHashing", "Redis", "RequestContext", "SettingsProvider"]

log = logging.getLogger(__name__)


class FirstAdmin(DependencyProvider):
    """At start, creates ``ADMIN_EMAIL`` / ``ADMIN_PASSWORD`` as an admin if no
    such user exists. An existing user is left exactly as it is (use
    ``grant_admin`` to promote one)."""

    def start(self):
        config = self.container.config
        settings = Settings.from_config(config)
        email, password = normalise_email(settings.admin_email), settings.admin_password
        if not email or not password:
            return
        if len(password) < MIN_PASSWORD_LENGTH:
            log.warning("ADMIN_PASSWORD is shorter than %d characters: choose a longer one", MIN_PASSWORD_LENGTH)
        engine = sa.create_engine(service_db_uri(config, self.container.service_name), poolclass=sa.pool.NullPool)
        try:
            with Session(engine) as session, session.begin():
                created = store.ensure_admin(session, email, lambda: hash_password(password))
        finally:
            engine.dispose()
        if created:
            log.info("created the first administrator %s", email)


class PasswordHashing(DependencyProvider):
    """The container's ``HashGate``: one per auth process, shared by all its workers."""

    def setup(self):
        self.gate = HashGate.from_settings(Settings.from_config(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.gate
