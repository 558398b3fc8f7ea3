"""The one public HTTP API. It owns no data: it checks the caller, parses JSON,
and asks the domain services over RPC (every call bounded by ``RPC_TIMEOUT``).

Endpoints live in ``gateway/routes/*`` as mixins, one per domain; what a route
combines from several calls lives beside them (``health.py``, ``cache.py``)."""
from common.config import ProductionGuard
from common.metrics import Metrics
from gateway.dependencies import (
    BoundedRpc,
    ClientAddress,
    OrderLimitProvider,
    RequestContext,
    SearchCache,
    Security,
    SettingsProvider,
)
from gateway.routes.auth import AuthRoutes
from gateway.routes.booking import BookingRoutes
from gateway.routes.bookings import ManageBookingRoutes
from gateway.routes.checkin import CheckInRoutes
from gateway.routes.core import CoreRoutes
from gateway.routes.disruptions import DisruptionRoutes
from gateway.routes.fares import FareRoutes
from gateway.routes.fleet import FleetRoutes
from gateway.routes.notify import NotifyRoutes
from gateway.routes.storefront import StorefrontRoutes
from gateway.routes.tracking import TrackingRoutes
from gateway.throttle import BookingLookupThrottle


class GatewayService(CoreRoutes, AuthRoutes, FleetRoutes, TrackingRoutes, FareRoutes, BookingRoutes,
                     ManageBookingRoutes, CheckInRoutes, NotifyRoutes, StorefrontRoutes, DisruptionRoutes):
    name = "gateway"

    settings = SettingsProvider()
    rpc = BoundedRpc()
    security = Security()
    client_address = ClientAddress()
    search_cache = SearchCache()
    order_limit = OrderLimitProvider()
    lookup_throttle = BookingLookupThrottle()
    request_id = RequestContext()
    metrics = Metrics()
    production_guard = ProductionGuard()
