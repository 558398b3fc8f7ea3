"""A service's own fresh SQL database, for store tests that must not see what other tests did."""
from contextlib import contextmanager

import sqlalchemy as sa

from common.config import load_config
from common.migrations import upgrade
from common.sql import drop_database, ensure_database, service_db_uri


@contextmanager
def migrated_database(service, db_prefix):
    """An engine on a new database of ``service`` at its newest migration (named with
    ``db_prefix``), dropped afterwards."""
    uri = service_db_uri(load_config(environ={"DB_PREFIX": db_prefix}), service)
    drop_database(uri)
    ensure_database(uri)
    upgrade(service, uri)
    engine = sa.create_engine(uri, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_database(uri)
