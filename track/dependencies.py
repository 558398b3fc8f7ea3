"""Dependency providers of the track service."""
from nameko.events import EventDispatcher
from nameko.extensions import DependencyProvider

from common.logs import RequestContext
from common.rpc import BoundedRpc
from common.sql import Database
from track import store

__all__ = ["AirportTimeZones", "BoundedRpc", "Database", "EventDispatcher", "RequestContext"]


class AirportTimeZones(DependencyProvider):
    """Code → IANA time zone (and code → ``Place``) of every airport, read once per container.

    The airports are a fixed dataset loaded by a migration, so a search need not
    ask the database for its origin's time zone. A new airport dataset (a later
    migration) is seen after the service restarts.
    """

    def setup(self):
        self.by_code = None
        self.places_by_code = None

    def get_dependency(self, worker_ctx):
        return self

    def time_zones(self, session):
        if not self.by_code:  # an empty table (not migrated yet) is not cached
            self.by_code = store.airport_time_zones(session)
        return self.by_code

    def places(self, session):
        """Code → ``store.Place`` (time zone, city, name): what a board or a status shows of an airport."""
        if not self.places_by_code:
            self.places_by_code = store.airport_places(session)
        return self.places_by_code
