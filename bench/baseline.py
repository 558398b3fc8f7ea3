"""The two yardsticks every figure is compared with, on plain nameko:

- ``GET /bare``: an HTTP entrypoint that answers without any RPC;
- ``GET /one-hop``: the same, plus one RPC round trip to a trivial service.

Each runs in its own ``nameko run`` process (like the gateway and a domain
service), on its own vhost and port: see ``bench/baseline.yaml``.
"""
import json

from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

JSON = {"Content-Type": "application/json"}


class EchoService:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class BaselineHttpService:
    name = "bench_http"

    echo = RpcProxy("bench_echo")

    @http("GET", "/bare")
    def bare(self, request):
        return 200, JSON, json.dumps({"ok": True})

    @http("GET", "/one-hop")
    def one_hop(self, request):
        return 200, JSON, json.dumps(self.echo.echo({"ok": True}))
