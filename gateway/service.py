"""The one public HTTP API. It owns no data: it checks the caller, parses JSON,
and asks the domain services over RPC (every call bounded by RPC_TIMEOUT)."""
from nameko.dependency_providers import Config

from gateway.dependencies import BoundedRpc, Redis, RequestContext, Security
from gateway.routes.core import CoreRoutes


class GatewayService(CoreRoutes):
    name = "gateway"

    config = Config()
    rpc = BoundedRpc()
    security = Security()
    redis = Redis()
    request_id = RequestContext()
