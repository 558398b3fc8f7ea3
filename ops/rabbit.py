"""RabbitMQ's management API (port 15672): vhosts of their own for the test harness,
the bench and the chaos run, and the API the chaos run closes connections through.

``RABBIT_API_URI`` (default ``http://guest:guest@127.0.0.1:15672``) says where it is.
"""
import os
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from common.config import load_config

RABBIT_API = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")


def rabbit_api():
    """``(base URL, (user, password))`` of RabbitMQ's management API."""
    parts = urlsplit(RABBIT_API)
    base = urlunsplit((parts.scheme, f"{parts.hostname}:{parts.port}", "", "", ""))
    return base, (parts.username or "guest", parts.password or "guest")


def create_vhost(name):
    base, auth = rabbit_api()
    vhost = quote(name, safe="")
    requests.put(f"{base}/api/vhosts/{vhost}", auth=auth, timeout=10).raise_for_status()
    requests.put(
        f"{base}/api/permissions/{vhost}/{auth[0]}", auth=auth, timeout=10,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()


def delete_vhost(name):
    base, auth = rabbit_api()
    requests.delete(f"{base}/api/vhosts/{quote(name, safe='')}", auth=auth, timeout=10)


def amqp_uri_for(vhost):
    """config.yaml's ``AMQP_URI`` (the broker of this environment) on ``vhost``."""
    parts = urlsplit(load_config()["AMQP_URI"])
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))
