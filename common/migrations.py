"""Alembic, driven from code: every SQL service keeps its revisions in
``<service>/migrations`` and its ``env.py`` is just ``run_env(Base.metadata)``."""
import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config


def alembic_config(service_name, uri):
    cfg = Config()
    cfg.set_main_option("script_location", f"{service_name}:migrations")
    # configparser interpolation: a literal % in a password must be doubled
    cfg.set_main_option("sqlalchemy.url", uri.replace("%", "%%"))
    return cfg


def upgrade(service_name, uri, revision="head"):
    command.upgrade(alembic_config(service_name, uri), revision)


def run_env(target_metadata):
    """Body of each service's migrations/env.py (online mode only)."""
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
