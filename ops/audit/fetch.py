"""Reading the services' records for the audit: each service's audit RPCs, page by page,
through nameko's ``ClusterRpcProxy``. Never a service's database."""
from datetime import UTC, datetime

from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import BadRequest, RemoteError, RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from common.errors import DomainError
from ops.audit.reconcile import Records

PAGE_SIZE = 500
# read downstream first: a record seen here has its upstream record (order before payment,
# payment before ticket) written earlier, so the later read finds it
SOURCES = (
    ("tickets", "ticket", "audit_tickets"),
    ("seats", "ticket", "audit_seats"),
    ("payments", "payment", "audit_payments"),
    ("orders", "order", "audit_orders"),
)


class Unreachable(Exception):
    """A service's audit could not be read (down, not answering, or refusing the call)."""


def read_all(method, page_size=PAGE_SIZE):
    """Every item of a paged audit RPC: ``method(after=..., limit=...)`` until ``next`` is None."""
    items, after = [], None
    while True:
        page = method(after=after, limit=page_size)
        items += page["items"]
        if page["next"] is None:
            return items
        if page["next"] == after:
            raise Unreachable(f"the cursor did not move past {after!r}")
        after = page["next"]


def fetch_records(config, timeout=30, page_size=PAGE_SIZE):
    """``Records`` of the system ``config`` names (its AMQP_URI); ``Unreachable`` if any
    service cannot answer."""
    read_at = datetime.now(UTC)
    lists = {}
    try:
        with ClusterRpcProxy(config, timeout=timeout) as rpc:
            for name, service, method in SOURCES:
                try:
                    lists[name] = read_all(getattr(getattr(rpc, service), method), page_size)
                except (RpcTimeout, UnknownService, RemoteError, BadRequest, DomainError) as exc:
                    raise Unreachable(f"{service}.{method}: {type(exc).__name__}: {exc}") from exc
    except (OSError, OperationalError, AMQPError) as exc:
        raise Unreachable(f"the broker at the config's AMQP_URI: {type(exc).__name__}: {exc}") from exc
    return Records(read_at=read_at, **lists)
