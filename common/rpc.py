"""RPC with a deadline.

Nameko 2.x ``RpcProxy`` waits forever for a reply. ``BoundedRpc`` gives every
call a time limit (``Settings.rpc_timeout``) and turns "nobody is consuming" and
"no answer in time" into ``ServiceUnavailable``, so a dead service costs a caller
one bounded wait, never a hung worker.

    rpc = BoundedRpc()
    ...
    self.rpc.track.get_flight(flight_id)                      # bounded call
    self.rpc.auth.health.call_async().result(timeout=2)       # started now, awaited later

Requests are published transient (``delivery_mode=1``), not persistent as nameko's
publisher does by default: a request is worth nothing after its deadline, so there
is no reason for the broker to write it to disk, and some carry what must never sit
on a disk (``payment.pay`` carries the card number and CVC).
"""
import eventlet
from nameko.constants import NON_PERSISTENT
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy

from common.config import Settings
from common.errors import ServiceUnavailable


class PendingCall:
    def __init__(self, service, method, reply, timeout):
        self.service = service
        self.method = method
        self.reply = reply
        self.timeout = timeout

    def result(self, timeout=None):
        if isinstance(self.reply, Exception):
            raise self.reply
        try:
            with eventlet.Timeout(timeout or self.timeout):
                return self.reply.result()
        except eventlet.Timeout:
            raise ServiceUnavailable(
                f"The {self.service} service did not answer in time.",
                details={"service": self.service, "method": self.method},
            )


class _BoundedMethod:
    def __init__(self, proxy, service, method, timeout):
        self._proxy = proxy
        self._service = service
        self._method = method
        self._timeout = timeout

    def call_async(self, *args, **kwargs):
        try:
            reply = getattr(self._proxy, self._method).call_async(*args, **kwargs)
        except UnknownService:
            reply = ServiceUnavailable(
                f"The {self._service} service is not running.",
                details={"service": self._service},
            )
        return PendingCall(self._service, self._method, reply, self._timeout)

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()


class _BoundedService:
    def __init__(self, worker_ctx, service, listener, timeout, options):
        self._proxy = ServiceProxy(worker_ctx, service, listener, **options)
        self._service = service
        self._timeout = timeout

    def __getattr__(self, method):
        return _BoundedMethod(self._proxy, self._service, method, self._timeout)


class _Clients:
    def __init__(self, provider, worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx

    def __getattr__(self, service):
        return self._provider.service_proxy(self._worker_ctx, service)


class BoundedRpc(DependencyProvider):
    rpc_reply_listener = ReplyListener()

    def setup(self):
        self.call_timeout = Settings.from_config(self.container.config).rpc_timeout
        # A request nobody picked up within the deadline is dropped by the broker
        # instead of running later, when the caller has long given up.
        self.options = {"expiration": self.call_timeout, "delivery_mode": NON_PERSISTENT}

    def service_proxy(self, worker_ctx, service):
        return _BoundedService(worker_ctx, service, self.rpc_reply_listener, self.call_timeout, self.options)

    def get_dependency(self, worker_ctx):
        return _Clients(self, worker_ctx)
