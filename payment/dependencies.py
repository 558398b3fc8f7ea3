"""Dependency providers of the payment service."""
from common.config import SettingsProvider
from common.logs import RequestContext
from common.mongo import MongoDatabase
from common.rpc import BoundedRpc

__all__ = ["BoundedRpc", "MongoDatabase", "RequestContext", "SettingsProvider"]
