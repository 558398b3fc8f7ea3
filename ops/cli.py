"""Bring the local system up and down: ``python -m ops up|down|status|migrate|seed|shell|check|probe``.

``make up`` / ``make down`` call this. ``up`` checks the backing servers, starts the
local MongoDB stand-in when nothing answers on MONGO_URI (and the SMTP sink when nothing
answers on SMTP_URI), creates the databases,
runs the migrations, starts every service with ``nameko run`` (pid files and logs
under RUN_DIR, default ``.run/``), waits for ``GET /health`` and seeds demo data.
``REPLICAS=2`` starts two ``nameko run`` processes of each service behind the gateway,
``REPLICAS_TICKET=3`` three of ticket; the gateway runs once (it binds its port).
Running ``up`` again starts only what is not running. ``down`` stops only the
processes whose pid files ``up`` wrote, and only if they still are those processes.
``probe <service>`` asks one service's ``health`` over RPC (Kubernetes' readiness probe).
"""
import argparse
import os
import sys
import time

import requests

from common import registry
from common.config import CONFIG_PATH, load_config
from common.sql import redact
from ops.console import say
from ops.processes import (
    BIN,
    RUN_DIR,
    died_while_starting,
    process_name,
    recorded_names,
    running_pid,
    service_of,
    service_path,
    spawn,
    stop,
)
from ops.servers import MAIL_DIR, answers, check_servers, ensure_mail_sink, ensure_mongo, migrate, report_mongo

SERVICES = registry.ALL_NAMES
UP_TIMEOUT = float(os.environ.get("UP_TIMEOUT", 120))


def replica_counts(environ=os.environ):
    """``{service: how many processes}`` from REPLICAS and REPLICAS_<SERVICE> (default 1)."""
    default = _count(environ, "REPLICAS", 1)
    counts = {name: _count(environ, f"REPLICAS_{name.upper()}", default) for name in registry.DOMAIN_SERVICES}
    if _count(environ, "REPLICAS_GATEWAY", 1) != 1:
        sys.exit(f"REPLICAS_GATEWAY={environ['REPLICAS_GATEWAY']}: the gateway runs once, it binds GATEWAY_ADDRESS.")
    counts["gateway"] = 1
    return counts


def _count(environ, variable, default):
    value = environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"{variable}={value}: a number of processes, 1 or more.")
    return int(value)


def wanted_names(counts):
    """Every process name ``up`` starts, service by service in the registry's order."""
    return [process_name(service, replica) for service in SERVICES for replica in range(1, counts[service] + 1)]


def known_names(service, counts=None):
    """The names of ``service`` that should run, then any other replica with a pid file."""
    wanted = [process_name(service, replica) for replica in range(1, (counts or {}).get(service, 1) + 1)]
    return wanted + [name for name in recorded_names(service) if name not in wanted]


def gateway_url(config):
    return "http://" + str(config["WEB_SERVER_ADDRESS"])


def health(config, timeout=3):
    try:
        return requests.get(gateway_url(config) + "/health", timeout=timeout)
    except requests.RequestException:
        return None


def check_gateway_port(config):
    """A port taken by someone else would make our gateway die on start: say so first."""
    host, _, port = str(config["WEB_SERVER_ADDRESS"]).rpartition(":")
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if not running_pid("gateway") and answers(probe_host, int(port)):
        sys.exit(f"Port {port} on {probe_host} is already in use by another process, so the gateway "
                 f"cannot listen there.\nStop that process, or choose another address: "
                 f"GATEWAY_ADDRESS=127.0.0.1:8001 make up")


def wait_until_healthy(config, names):
    deadline = time.monotonic() + UP_TIMEOUT
    while True:
        response = health(config)
        if response is not None and response.status_code == 200:
            return
        for name in names:
            if not running_pid(name):
                died_while_starting(name)
        if time.monotonic() > deadline:
            detail = response.text if response is not None else "the gateway does not answer"
            sys.exit(f"/health is not green after {UP_TIMEOUT:.0f}s ({detail}); see the logs in {RUN_DIR}")
        time.sleep(0.5)


def metrics_ports(config, names):
    """``{process name: its METRICS_PORT}``, consecutive from config's METRICS_PORT (empty
    when it is 0: not served). Processes on one machine share its ports; in a cluster each
    pod has its own, so there every process uses the one port."""
    base = int(config["METRICS_PORT"] or 0)
    return {name: base + offset for offset, name in enumerate(names)} if base else {}


def cmd_up(config, seed=True):
    names = wanted_names(replica_counts())
    check_servers(config)
    check_gateway_port(config)
    ensure_mongo(config)
    ensure_mail_sink(config)
    migrate(config)
    started = []
    try:
        ports = metrics_ports(config, names)
        for name in names:
            service = service_of(name)
            argv = [str(BIN / "nameko"), "run", "--config", str(CONFIG_PATH), service_path(service)]
            if spawn(name, argv, {"METRICS_PORT": str(ports[name])} if ports else None):
                started.append(name)
        wait_until_healthy(config, names)
    except (SystemExit, KeyboardInterrupt):
        # leave nothing half-started behind; the logs stay for the post-mortem
        stop(*started)
        if started:
            print(f"!!  stopped what this run started ({', '.join(started)}); logs kept in {RUN_DIR}", flush=True)
        raise
    say("all services are up")
    if seed:
        cmd_seed(config)
    url = gateway_url(config)
    print(f"""
Storefront: {url}/
Gateway:  {url}
Health:   {url}/health
API docs: {url}/docs   (OpenAPI: {url}/openapi.json)
Admin:    {config.get('ADMIN_EMAIL') or '(ADMIN_EMAIL not set)'} / {config.get('ADMIN_PASSWORD') or ''}
          change them: ADMIN_EMAIL=... ADMIN_PASSWORD=... make up
Logs:     {RUN_DIR}/*.log   (make logs)
Metrics:  {url}/metrics{metrics_note(config, names)}
Mail:     {MAIL_DIR}/*.eml   (what notify sent, when `make up` started the SMTP sink)
Shell:    make shell SERVICE=order
Stop:     make down
""", flush=True)


def metrics_note(config, names):
    ports = metrics_ports(config, names)
    if not ports:
        return "   (each process on its own port: METRICS_PORT=9100 make up)"
    return "   and per process: " + ", ".join(f"{name} :{port}" for name, port in ports.items())


def cmd_seed(config):
    from ops.seed import seed

    say("seeding demo data")
    seed(config)


def cmd_down(config):
    stopped = {}
    # the gateway first (no new requests), then the services together, then their store
    services = [name for service in reversed(registry.DOMAIN_SERVICES) for name in known_names(service)]
    for group in (known_names("gateway"), services, ["mongo", "mail"]):
        stopped.update(stop(*group))
    if stopped:
        say("stopped " + ", ".join(f"{name} (pid {pid})" for name, pid in stopped.items()))
    else:
        say(f"stopped nothing: no process of ours runs (RUN_DIR {RUN_DIR})")


def cmd_status(config):
    counts = replica_counts()
    for name in [*(name for service in SERVICES for name in known_names(service, counts)), "mongo", "mail"]:
        pid = running_pid(name)
        print(f"{name:10} {'running, pid ' + str(pid) if pid else 'stopped'}")
    response = health(config)
    print("health:", response.json() if response is not None else "gateway not answering")


def cmd_migrate(config):
    check_servers(config)
    migrate(config)


def cmd_check(config):
    check_servers(config)
    report_mongo(config)


def cmd_probe(config, service):
    """Exit 0 when ``service`` answers its ``health`` RPC within HEALTH_TIMEOUT, else 1 (a
    Kubernetes readiness probe: the service reachable through the broker, its store up)."""
    from nameko.standalone.rpc import ClusterRpcProxy

    if service not in registry.DOMAIN_SERVICES:
        sys.exit(f"probe: {service!r} is not one of {', '.join(registry.DOMAIN_SERVICES)}")
    timeout = float(config["HEALTH_TIMEOUT"])
    try:
        with ClusterRpcProxy(config, timeout=timeout) as rpc:
            answer = getattr(rpc, service).health()
    except Exception as exc:  # any failure is "not ready"; the reason goes to the probe's log
        sys.exit(f"{service} did not answer health within {timeout:g}s: {type(exc).__name__}: {exc}")
    print(f"{service}: {answer.get('status')}", flush=True)


def cmd_shell(config, service):
    print(f"Connected to {redact(config['AMQP_URI'])}. Try: n.rpc.{service}.health()", flush=True)
    os.execv(str(BIN / "nameko"), [str(BIN / "nameko"), "shell", "--config", str(CONFIG_PATH)])


COMMANDS = {
    "up": cmd_up, "down": cmd_down, "status": cmd_status, "migrate": cmd_migrate,
    "seed": cmd_seed, "check": cmd_check, "shell": cmd_shell, "probe": cmd_probe,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=list(COMMANDS))
    parser.add_argument("service", nargs="?", default="order",
                        help="for `shell`: the service of the hint; for `probe`: the service asked")
    parser.add_argument("--no-seed", action="store_true", help="for `up`: skip the demo data")
    args = parser.parse_args(argv)
    config = load_config()
    if args.command == "up":
        cmd_up(config, seed=not args.no_seed)
    elif args.command in ("shell", "probe"):
        COMMANDS[args.command](config, args.service)
    else:
        COMMANDS[args.command](config)
