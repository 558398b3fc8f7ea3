"""Dependency providers of the track service."""
from nameko.events import EventDispatcher

from common.logs import RequestContext
from common.rpc import BoundedRpc
from common.sql import Database

__all__ = ["BoundedRpc", "Database", "EventDispatcher", "RequestContext"]
