"""SQL stores: a green psycopg2, the nameko-sqlalchemy provider, database creation.

nameko-sqlalchemy 1.5.0's ``Database`` works with SQLAlchemy 2.0 (checked in this
project's tests); its URI comes from ``DB_URIS["<service>:Base"]`` in config.yaml.
"""
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from nameko_sqlalchemy import Database as _Database
from psycogreen.eventlet import patch_psycopg
from sqlalchemy.dialects import postgresql

from common.config import Settings

# Without this every PostgreSQL query blocks the whole eventlet hub, so a
# service would serve one request at a time.
patch_psycopg()

DEFAULT_ENGINE_OPTIONS = {"pool_pre_ping": True}


def compiled_once(statement):
    """``statement`` (its values ``sa.bindparam`` placeholders, given at execution) as a
    text statement with the same typed parameters and result columns. SQLAlchemy never
    caches PostgreSQL's ``insert`` (``INSERT … ON CONFLICT``: its ``inherit_cache`` is False)
    and compiles it again on every execution; kept by the caller (``functools.cache``),
    this is compiled once per process. Hot statements only (docs/benchmarks.md)."""
    compiled = statement.compile(dialect=postgresql.dialect(paramstyle="named"))
    # ``text`` reads ``:name::TYPE`` (a parameter with a cast) as no parameter: escape the casts
    text = sa.text(str(compiled).replace("::", r"\:\:")).bindparams(
        *(sa.bindparam(bind.key, type_=bind.type) for bind in compiled.binds.values()))
    returned = list(statement.exported_columns)
    return text.columns(*returned) if returned else text


class Database(_Database):
    """nameko-sqlalchemy's provider, its pool sized from Settings: ``DB_POOL_SIZE``
    connections kept open, and room for every worker (``max_workers``) beyond them."""

    def __init__(self, declarative_base, session_options=None, engine_options=None):
        options = dict(DEFAULT_ENGINE_OPTIONS, **(engine_options or {}))
        super().__init__(declarative_base, session_options, options)

    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.engine_options = {"pool_size": settings.db_pool_size, "max_overflow": settings.max_workers,
                               **self.engine_options}
        super().setup()


def service_db_uri(config, service_name):
    return config["DB_URIS"][f"{service_name}:Base"]


def _server_and_name(uri):
    url = sa.engine.make_url(uri)
    return url, url.database


def _admin_engine(url):
    if url.get_backend_name() == "postgresql":
        admin = url.set(database="postgres")
    else:
        admin = url.set(database="mysql")
    return sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def ensure_database(uri):
    """Create the database named in ``uri`` if it does not exist. Returns True if created."""
    url, name = _server_and_name(uri)
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).scalar()
                if not exists:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                return not exists
            exists = conn.execute(
                sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"),
                {"n": name},
            ).scalar()
            if not exists:
                conn.execute(
                    sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                )
            return not exists
    finally:
        engine.dispose()


def drop_database(uri):
    url, name = _server_and_name(uri)
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


def redact(uri):
    """The URI without its password, for messages."""
    parts = urlsplit(uri)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return uri


def check(session):
    session.execute(sa.text("SELECT 1"))
