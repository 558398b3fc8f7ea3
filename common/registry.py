"""The one list of the platform's processes: who they are, which class ``nameko run``
starts, and what kind of store each owns. Health checks, the operator CLI, the test
harness and the bench all read it, so a new service is added here once.

Classes are named by import path, not imported: ``common`` is imported by every
service and must not import them back.
"""
import dataclasses
import importlib


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    name: str
    class_path: str  # "module:Class", exactly as `nameko run` takes it
    store: str | None  # "postgresql", "mariadb", "mongodb" or None

    @property
    def is_sql(self):
        return self.store in ("postgresql", "mariadb")

    def load_class(self):
        module, _, attribute = self.class_path.partition(":")
        return getattr(importlib.import_module(module), attribute)


SERVICES = (
    ServiceSpec("auth", "auth.service:AuthService", "postgresql"),
    ServiceSpec("airplane", "airplane.service:AirplaneService", "mariadb"),
    ServiceSpec("track", "track.service:TrackService", "postgresql"),
    ServiceSpec("ticket", "ticket.service:TicketService", "postgresql"),
    ServiceSpec("order", "order.service:OrderService", "mongodb"),
    ServiceSpec("payment", "payment.service:PaymentService", "mongodb"),
    ServiceSpec("notify", "notify.service:NotifyService", "postgresql"),
    ServiceSpec("gateway", "gateway.service:GatewayService", None),
)
BY_NAME = {spec.name: spec for spec in SERVICES}
ALL_NAMES = tuple(BY_NAME)
# the services behind the gateway, each answering `health` over RPC
DOMAIN_SERVICES = tuple(spec.name for spec in SERVICES if spec.store)
SQL_SERVICES = tuple(spec.name for spec in SERVICES if spec.is_sql)
MONGO_SERVICES = tuple(spec.name for spec in SERVICES if spec.store == "mongodb")
