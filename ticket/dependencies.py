"""Dependency providers of the ticket service."""
from common.logs import RequestContext
from common.rpc import BoundedRpc
from common.sql import Database as _Database

__all__ = ["BoundedRpc", "Database", "RequestContext"]

# every timestamp leaves the database in UTC, whatever the server's time zone
UTC_SESSION = {"connect_args": {"options": "-c timezone=UTC"}}


class Database(_Database):
    def __init__(self, declarative_base, session_options=None, engine_options=None):
        super().__init__(declarative_base, session_options, dict(UTC_SESSION, **(engine_options or {})))
