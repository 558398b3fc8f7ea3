"""Bring the local system up and down: ``python -m ops.stack up|down|status|...``.

``make up`` / ``make down`` call this. ``up`` checks the backing servers, starts the
local MongoDB stand-in when nothing answers on MONGO_URI, creates the databases,
runs the migrations, starts every service with ``nameko run`` (pid files and logs
under RUN_DIR, default ``.run/``), waits for ``GET /health`` and seeds demo data.
Running ``up`` again starts only what is not running. ``down`` stops only the
processes whose pid files ``up`` wrote, and only if they still are those processes.
"""
import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import requests

# operators read this output: keep eventlet's deprecation notice out of it
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from common.config import CONFIG_PATH, ROOT, load_config
from common.sql import ensure_database, redact, service_db_uri

SQL_SERVICES = ("auth", "airplane", "track", "ticket")
# `nameko run` needs the class named: given only a module it also picks up any
# imported class with entrypoints (the gateway's route mixins).
SERVICE_CLASSES = {
    "auth": "AuthService", "airplane": "AirplaneService", "track": "TrackService",
    "ticket": "TicketService", "order": "OrderService", "payment": "PaymentService",
    "gateway": "GatewayService",
}
SERVICES = tuple(SERVICE_CLASSES)
RUN_DIR = (ROOT / os.environ.get("RUN_DIR", ".run")).resolve()
BIN = Path(sys.executable).parent
UP_TIMEOUT = float(os.environ.get("UP_TIMEOUT", 120))

# What each process we start looks like in /proc/<pid>/cmdline, so a pid file left
# behind after a reboot never makes `down` signal somebody else's process.
SIGNATURES = {"mongo": "nx-27017"}

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "MariaDB": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    "Redis": "redis-server --daemonize yes --bind {host} --port {port} --save '' --appendonly no",
    "RabbitMQ": "rabbitmq-server -detached",
}
URI_VARIABLE = {"PostgreSQL": "POSTGRES_URI", "MariaDB": "MYSQL_URI", "Redis": "REDIS_URI", "RabbitMQ": "AMQP_URI"}


def say(message):
    print(f"==> {message}", flush=True)


def host_port(uri, default_port):
    parts = urlsplit(uri)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def answers(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# -- backing servers -----------------------------------------------------------------

def backing_servers(config):
    return {
        "PostgreSQL": host_port(service_db_uri(config, "auth"), 5432),
        "MariaDB": host_port(service_db_uri(config, "airplane"), 3306),
        "Redis": host_port(config["REDIS_URI"], 6379),
        "RabbitMQ": host_port(config["AMQP_URI"], 5672),
    }


def amqp_problem(uri):
    """None if RabbitMQ accepts ``uri`` (credentials, vhost), else the reason."""
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # any refusal is reported to the operator as it is
        return f"{type(exc).__name__}: {exc}"
    return None


def check_servers(config):
    """Exit with one clear message per backing server that does not answer."""
    missing = []
    for name, (host, port) in backing_servers(config).items():
        if answers(host, port):
            say(f"{name} answers on {host}:{port}")
            continue
        missing.append(name)
        print(
            f"!!  {name} does not answer on {host}:{port} (from {URI_VARIABLE[name]}). Start it with:\n"
            f"      {HOW_TO_START[name].format(host=host, port=port)}\n"
            f"    or point {URI_VARIABLE[name]} at a running one.",
            flush=True,
        )
    if missing:
        sys.exit(f"Missing: {', '.join(missing)}. Start them and run `make up` again.")
    problem = amqp_problem(config["AMQP_URI"])
    if problem:
        sys.exit(f"RabbitMQ answers but refuses {redact(config['AMQP_URI'])}: {problem}\n"
                 "Check the user, password and vhost in AMQP_URI.")


# -- processes -----------------------------------------------------------------------

_children = {}  # name -> Popen, for what this invocation started


def pid_file(name):
    return RUN_DIR / f"{name}.pid"


def log_file(name):
    return RUN_DIR / f"{name}.log"


def is_ours(pid, name):
    signature = SIGNATURES[name] if name in SIGNATURES else service_path(name)
    # a process that is just exec-ing shows an empty cmdline for a moment
    for _ in range(40):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        if cmdline:
            return signature in cmdline.replace(b"\0", b" ").decode(errors="replace")
        time.sleep(0.05)
    return False


def running_pid(name):
    """The pid from RUN_DIR/<name>.pid if that process is alive and still ours."""
    child = _children.get(name)
    if child is not None:  # started by this invocation: the OS tells for sure
        if child.poll() is None:
            return child.pid
        pid_file(name).unlink(missing_ok=True)
        return None
    path = pid_file(name)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    if is_ours(pid, name) and not is_gone(pid):
        return pid
    path.unlink(missing_ok=True)
    return None


def is_gone(pid):
    """True once the process has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def how_it_ended(name):
    process = _children.get(name)
    code = process.poll() if process else None
    if code is None:
        return "exited"
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def service_path(service):
    return f"{service}.service:{SERVICE_CLASSES[service]}"


def spawn(name, argv):
    """Start ``argv`` in its own session with its log in RUN_DIR; remember its pid.

    Returns the new pid, or None if ``name`` was already running."""
    pid = running_pid(name)
    if pid:
        say(f"{name} already running (pid {pid})")
        return None
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(log_file(name), "ab") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file(name).write_text(str(process.pid))
    _children[name] = process
    say(f"started {name} (pid {process.pid}, log {log_file(name)})")
    return process.pid


def stop(*names, grace=20):
    """SIGTERM each of ``names`` that runs, then wait for all of them together.

    Returns ``{name: pid}`` of what was stopped."""
    # nameko stops gracefully on SIGTERM: running workers finish, then it exits
    signalled = {}
    for name in names:
        pid = running_pid(name)
        pid_file(name).unlink(missing_ok=True)
        if pid:
            signal_group(pid, signal.SIGTERM)
            signalled[name] = pid
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not all(is_gone(pid) for pid in signalled.values()):
        time.sleep(0.1)
    for name, pid in signalled.items():
        if not is_gone(pid):
            say(f"{name} (pid {pid}) ignored SIGTERM for {grace}s: killing it")
            signal_group(pid, signal.SIGKILL)
    return signalled


def signal_group(pid, signum):
    """Signal the process group ``spawn`` made for ``pid`` (or the process alone)."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        os.kill(pid, signum)


def last_lines(path, count=15):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-count:])
    except OSError:
        return "(no log)"


def died_while_starting(name):
    sys.exit(f"{name} {how_it_ended(name)} while starting. Last lines of {log_file(name)}:\n"
             f"{last_lines(log_file(name))}")


# -- MongoDB stand-in ----------------------------------------------------------------

def ensure_mongo(config):
    host, port = host_port(config["MONGO_URI"], 27017)
    if running_pid("mongo") or answers(host, port):
        say(f"MongoDB answers on {host}:{port}")
        return
    if host not in ("127.0.0.1", "localhost"):
        sys.exit(f"MongoDB does not answer on {host}:{port} (from MONGO_URI) and it is not local: start it first.")
    data_dir = RUN_DIR / "mongo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    spawn("mongo", [str(BIN / "nx-27017"), "--host", host, "-p", str(port), "--data-dir", str(data_dir),
                    "--log-file", str(RUN_DIR / "mongo-server.log"),
                    "--pid-file", str(RUN_DIR / "mongo-server.pid")])
    wait_for(lambda: answers(host, port), 30, f"the MongoDB stand-in on {host}:{port}", "mongo")


def wait_for(predicate, timeout, what, name=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if name and not running_pid(name):
            died_while_starting(name)
        time.sleep(0.3)
    sys.exit(f"Timed out after {timeout:.0f}s waiting for {what}.")


# -- databases -----------------------------------------------------------------------

def migrate(config):
    from common.migrations import upgrade

    for service in SQL_SERVICES:
        uri = service_db_uri(config, service)
        if ensure_database(uri):
            say(f"created database {redact(uri)}")
        upgrade(service, uri)
    say("migrations are at head")


# -- commands ------------------------------------------------------------------------

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


def wait_until_healthy(config):
    deadline = time.monotonic() + UP_TIMEOUT
    while True:
        response = health(config)
        if response is not None and response.status_code == 200:
            return
        for service in SERVICES:
            if not running_pid(service):
                died_while_starting(service)
        if time.monotonic() > deadline:
            detail = response.text if response is not None else "the gateway does not answer"
            sys.exit(f"/health is not green after {UP_TIMEOUT:.0f}s ({detail}); see the logs in {RUN_DIR}")
        time.sleep(0.5)


def cmd_up(config, seed=True):
    check_servers(config)
    check_gateway_port(config)
    ensure_mongo(config)
    migrate(config)
    started = []
    try:
        for service in SERVICES:
            if spawn(service, [str(BIN / "nameko"), "run", "--config", str(CONFIG_PATH), service_path(service)]):
                started.append(service)
        wait_until_healthy(config)
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
Gateway:  {url}
Health:   {url}/health
API docs: {url}/docs   (OpenAPI: {url}/openapi.json)
Admin:    {config.get('ADMIN_EMAIL') or '(ADMIN_EMAIL not set)'} / {config.get('ADMIN_PASSWORD') or ''}
          change them: ADMIN_EMAIL=... ADMIN_PASSWORD=... make up
Logs:     {RUN_DIR}/*.log   (make logs)
Shell:    make shell SERVICE=order
Stop:     make down
""", flush=True)


def cmd_seed(config):
    if importlib.util.find_spec("ops.seed") is None:
        say("no demo data to seed yet (ops/seed.py does not exist)")
        return
    from ops.seed import seed

    say("seeding demo data")
    seed(config)


def cmd_down(config):
    stopped = {}
    # the gateway first (no new requests), then the services together, then their store
    for group in (("gateway",), tuple(s for s in reversed(SERVICES) if s != "gateway"), ("mongo",)):
        stopped.update(stop(*group))
    if stopped:
        say("stopped " + ", ".join(f"{name} (pid {pid})" for name, pid in stopped.items()))
    else:
        say(f"stopped nothing: no process of ours runs (RUN_DIR {RUN_DIR})")


def cmd_status(config):
    for name in (*SERVICES, "mongo"):
        pid = running_pid(name)
        print(f"{name:10} {'running, pid ' + str(pid) if pid else 'stopped'}")
    response = health(config)
    print("health:", response.json() if response is not None else "gateway not answering")


def cmd_shell(config, service):
    print(f"Connected to {redact(config['AMQP_URI'])}. Try: n.rpc.{service}.health()", flush=True)
    os.execv(str(BIN / "nameko"), [str(BIN / "nameko"), "shell", "--config", str(CONFIG_PATH)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status", "migrate", "seed", "check", "shell"])
    parser.add_argument("service", nargs="?", default="order", help="for `shell`: the service of the hint")
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args(argv)
    config = load_config()
    if args.command == "up":
        cmd_up(config, seed=not args.no_seed)
    elif args.command == "down":
        cmd_down(config)
    elif args.command == "status":
        cmd_status(config)
    elif args.command == "migrate":
        check_servers(config)
        migrate(config)
    elif args.command == "seed":
        cmd_seed(config)
    elif args.command == "check":
        check_servers(config)
        host, port = host_port(config["MONGO_URI"], 27017)
        say(f"MongoDB answers on {host}:{port}" if answers(host, port)
            else f"MongoDB does not answer on {host}:{port}: `make up` starts the local stand-in there")
    elif args.command == "shell":
        cmd_shell(config, args.service)


if __name__ == "__main__":
    main()
