"""Dependency providers of the auth service."""
from common.logs import RequestContext
from common.sql import Database

__all__ = ["Database", "RequestContext"]
