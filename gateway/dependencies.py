"""What the gateway's workers get: bounded RPC clients, the caller check, Redis."""
from common.cache import Redis
from common.logs import RequestContext
from common.rpc import BoundedRpc
from gateway.security import Security

__all__ = ["BoundedRpc", "Redis", "RequestContext", "Security"]
