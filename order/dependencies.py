"""Dependency providers of the order service."""
from common.logs import RequestContext
from common.mongo import MongoDatabase
from common.rpc import BoundedRpc

__all__ = ["BoundedRpc", "MongoDatabase", "RequestContext"]
