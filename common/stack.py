"""Bring the local system up and down: ``python -m common.stack up|down|status|migrate``.

``make up`` / ``make down`` call this. It checks the backing servers, starts the
local MongoDB stand-in when nothing answers on MONGO_URI, creates the databases,
runs the migrations, starts every service with ``nameko run`` (pid files and
logs under RUN_DIR, default ``.run/``), waits for ``GET /health`` and seeds demo
data. Everything is idempotent; ``down`` stops only what ``up`` started.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from common.config import CONFIG_PATH, ROOT, load_config
from common.sql import ensure_database, redact, service_db_uri

SQL_SERVICES = ("auth", "airplane", "track", "ticket")
SERVICES = ("auth", "airplane", "track", "ticket", "order", "payment", "gateway")
RUN_DIR = Path(os.environ.get("RUN_DIR", ROOT / ".run"))
BIN = Path(sys.executable).parent

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "MariaDB": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    "RabbitMQ": "rabbitmq-server -detached",
}


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


def backing_servers(config):
    return {
        "PostgreSQL": host_port(service_db_uri(config, "auth"), 5432),
        "MariaDB": host_port(service_db_uri(config, "airplane"), 3306),
        "Redis": host_port(config["REDIS_URI"], 6379),
        "RabbitMQ": host_port(config["AMQP_URI"], 5672),
    }


def check_servers(config):
    missing = []
    for name, (host, port) in backing_servers(config).items():
        if answers(host, port):
            say(f"{name} answers on {host}:{port}")
        else:
            missing.append(name)
            print(f"!!  {name} does not answer on {host}:{port}. Start it with:\n      {HOW_TO_START[name]}")
    if missing:
        sys.exit(f"Missing: {', '.join(missing)}. Start them and run `make up` again.")


# -- processes -----------------------------------------------------------------------

def pid_file(name):
    return RUN_DIR / f"{name}.pid"


def running_pid(name):
    path = pid_file(name)
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError, PermissionError):
        path.unlink(missing_ok=True)
        return None


def spawn(name, argv):
    """Start ``argv`` in its own session with its log in RUN_DIR; remember its pid."""
    pid = running_pid(name)
    if pid:
        say(f"{name} already running (pid {pid})")
        return pid
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    log = open(RUN_DIR / f"{name}.log", "ab")
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file(name).write_text(str(process.pid))
    say(f"started {name} (pid {process.pid}, log {RUN_DIR / (name + '.log')})")
    return process.pid


def stop(name, grace=15):
    pid = running_pid(name)
    if not pid:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # reap it if it is our child (it is not, when started by an earlier `make up`)
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file(name).unlink(missing_ok=True)
    say(f"stopped {name} (pid {pid})")
    return True


# -- MongoDB stand-in ----------------------------------------------------------------

def ensure_mongo(config):
    host, port = host_port(config["MONGO_URI"], 27017)
    if answers(host, port):
        say(f"MongoDB answers on {host}:{port}")
        return
    if host not in ("127.0.0.1", "localhost"):
        sys.exit(f"MongoDB does not answer on {host}:{port} and it is not local: start it first.")
    data_dir = RUN_DIR / "mongo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    spawn("mongo", [str(BIN / "nx-27017"), "--host", host, "-p", str(port), "--data-dir", str(data_dir),
                    "--log-file", str(RUN_DIR / "mongo-server.log"),
                    "--pid-file", str(RUN_DIR / "mongo-server.pid")])
    wait_for(lambda: answers(host, port), 30, f"MongoDB stand-in on {host}:{port}")


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    sys.exit(f"Timed out waiting for {what}.")


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
        response = requests.get(gateway_url(config) + "/health", timeout=timeout)
    except requests.RequestException:
        return None
    return response


def cmd_up(config, seed=True):
    check_servers(config)
    ensure_mongo(config)
    migrate(config)
    for service in SERVICES:
        spawn(service, [str(BIN / "nameko"), "run", "--config", str(CONFIG_PATH), f"{service}.service"])

    def healthy():
        response = health(config)
        return response is not None and response.status_code == 200

    deadline = time.monotonic() + 90
    while not healthy():
        for service in SERVICES:
            if not running_pid(service):
                sys.exit(f"{service} exited; see {RUN_DIR / (service + '.log')}")
        if time.monotonic() > deadline:
            sys.exit(f"/health is not green after 90s; see the logs in {RUN_DIR}")
        time.sleep(0.5)
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
Logs:     make logs       Stop: make down
""")


def cmd_seed(config):
    try:
        from common.seed import seed
    except ImportError:
        say("no demo data yet")
        return
    seed(config)


def cmd_down(config):
    stopped = [name for name in (*reversed(SERVICES), "mongo") if stop(name)]
    say("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


def cmd_status(config):
    for name in (*SERVICES, "mongo"):
        pid = running_pid(name)
        print(f"{name:10} {'running, pid ' + str(pid) if pid else 'stopped'}")
    response = health(config)
    print("health:", response.json() if response is not None else "gateway not answering")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status", "migrate", "seed", "check"])
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
        ensure_mongo(config)


if __name__ == "__main__":
    main()
