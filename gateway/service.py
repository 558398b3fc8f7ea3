"""The one public HTTP API. It owns no data: it checks the caller, parses JSON,
and asks the domain services over RPC (every call bounded by ``RPC_TIMEOUT``).

Endpoints live in ``gateway/routes/*`` as mixins, one per domain; what a route
combines from several calls lives beside them (``health.py``, ``cache.py``)."""
from common.config import ProductionGuard
from gateway.dependencies import BoundedRpc, RequestContext, SearchCache, Security, SettingsProvider
from gateway.routes.auth import AuthRoutes
from gateway.routes.booking import BookingRoutes
from gateway.routes.core import CoreRoutes
from gateway.routes.fleet import FleetRoutes
from gateway.routes.storefront import StorefrontRoutes
from gateway.routes.tracking import TrackingRoutes


class GatewayService(CoreRoutes, AuthRoutes, FleetRoutes, TrackingRoutes, BookingRoutes, StorefrontRoutes):
    name = "gateway"

    settings = SettingsProvider()
    rpc = BoundedRpc()
    security = Security()
    search_cache = SearchCache()
    request_id = RequestContext()
    production_guard = ProductionGuard()
