"""What the gateway's workers get: settings, bounded RPC clients, the caller check and address, the search cache,
the per-user order limit."""
from common.config import SettingsProvider
from common.logs import RequestContext
from common.rpc import BoundedRpc
from gateway.cache import SearchCache
from gateway.clients import ClientAddress
from gateway.limits import OrderLimitProvider
from gateway.security import Security

__all__ = ["BoundedRpc", "ClientAddress", "OrderLimitProvider", "RequestContext", "SearchCache", "Security",
           "SettingsProvider"]
