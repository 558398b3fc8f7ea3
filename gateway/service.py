"""The one public HTTP API. It owns no data: it checks the caller, parses JSON,
and asks the domain services over RPC (every call bounded by RPC_TIMEOUT).

Endpoints live in ``gateway/routes/*`` as mixins, one per domain."""
from nameko.dependency_providers import Config

from common.config import ProductionGuard
from gateway.dependencies import BoundedRpc, RequestContext, SearchCache, Security
from gateway.routes.auth import AuthRoutes
from gateway.routes.booking import BookingRoutes
from gateway.routes.core import CoreRoutes
from gateway.routes.fleet import FleetRoutes


class GatewayService(CoreRoutes, AuthRoutes, FleetRoutes, BookingRoutes):
    name = "gateway"

    config = Config()
    rpc = BoundedRpc()
    security = Security()
    search_cache = SearchCache()
    request_id = RequestContext()
    production_guard = ProductionGuard()
