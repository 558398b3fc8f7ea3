"""What the gateway's workers get: settings, bounded RPC clients, the caller check, the search cache."""
from common.config import SettingsProvider
from common.logs import RequestContext
from common.rpc import BoundedRpc
from gateway.cache import SearchCache
from gateway.security import Security

__all__ = ["BoundedRpc", "RequestContext", "SearchCache", "Security", "SettingsProvider"]
