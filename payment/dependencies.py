"""Dependency providers of the payment service."""
from common.logs import RequestContext
from common.mongo import MongoDatabase

__all__ = ["MongoDatabase", "RequestContext"]
