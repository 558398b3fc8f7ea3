"""The yardsticks every figure is compared with, on plain nameko:

- ``GET /bare``: an HTTP entrypoint that answers without any RPC;
- ``GET /one-hop``: the same, plus one RPC round trip to a trivial service;
- ``GET /event``: the same as bare, plus one event published (with the same publisher
  confirms as the services) and handled by the other service;
- ``GET /sql``: bare plus one ``SELECT 1`` on a pooled PostgreSQL connection;
- ``GET /mongo``: bare plus one ``find_one`` on the bench system's MongoDB.

The last three exist for the arithmetic floor of a booking (docs/benchmarks.md): the
cost of one more RPC hop, event or store round trip is the difference between the
time per request of that baseline and of ``/bare``. Each service runs in its own
``nameko run`` process (like the gateway and a domain service), on its own vhost
and port: see ``bench/baseline.yaml``.
"""
import json
import os

import sqlalchemy as sa
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http
from psycogreen.eventlet import patch_psycopg
from pymongo import MongoClient

patch_psycopg()  # as common/sql.py does for the services

JSON = {"Content-Type": "application/json"}
_sql = sa.create_engine(os.environ.get("BASELINE_SQL_URI", "postgresql://postgres@127.0.0.1:5432/postgres"
                                       "?application_name=bench_baseline"),
                        pool_size=10, max_overflow=20, isolation_level="AUTOCOMMIT")
_mongo = MongoClient(os.environ.get("BASELINE_MONGO_URI", "mongodb://127.0.0.1:27117"),
                     serverSelectionTimeoutMS=5000, connect=False)


class EchoService:
    name = "bench_echo"

    handled = 0

    @rpc
    def echo(self, value):
        return value

    @event_handler("bench_http", "ping")
    def on_ping(self, payload):
        EchoService.handled += 1


class BaselineHttpService:
    name = "bench_http"

    echo = RpcProxy("bench_echo")
    dispatch = EventDispatcher()

    @http("GET", "/bare")
    def bare(self, request):
        return 200, JSON, json.dumps({"ok": True})

    @http("GET", "/one-hop")
    def one_hop(self, request):
        return 200, JSON, json.dumps(self.echo.echo({"ok": True}))

    @http("GET", "/event")
    def event(self, request):
        self.dispatch("ping", {"ok": True})
        return 200, JSON, json.dumps({"ok": True})

    @http("GET", "/sql")
    def sql(self, request):
        with _sql.connect() as connection:
            value = connection.execute(sa.text("SELECT 1")).scalar()
        return 200, JSON, json.dumps({"ok": value == 1})

    @http("GET", "/mongo")
    def mongo(self, request):
        found = _mongo["bench_baseline"]["probe"].find_one({"_id": "probe"})
        return 200, JSON, json.dumps({"ok": found is None or bool(found)})
