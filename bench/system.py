"""The system under test, on its own databases, vhosts, ports and run directory.

``make bench`` never touches a developer's ``make up`` (``.run/``, port 8000, the
``/`` vhost, unprefixed databases) nor the test suite (``t<hex>_`` prefixes): it
runs ``python -m ops`` with the settings below, and stops only what it started.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from common import registry
from common.config import ROOT, load_config
from common.mongo import mongo_client, service_db_name
from common.sql import drop_database, service_db_uri
from ops.rabbit import amqp_uri_for, create_vhost, delete_vhost
from ops.servers import answers, host_port

BENCH_DIR = Path(__file__).resolve().parent
RUN_DIR = ROOT / ".run-bench"
DB_PREFIX = "bench_"
VHOST = "bench"
BASELINE_VHOST = "bench_baseline"
GATEWAY_ADDRESS = os.environ.get("BENCH_GATEWAY_ADDRESS", "127.0.0.1:8180")
BASELINE_ADDRESS = os.environ.get("BENCH_BASELINE_ADDRESS", "127.0.0.1:8190")
MONGO_URI = os.environ.get("BENCH_MONGO_URI", "mongodb://127.0.0.1:27117")
ADMIN = {"email": "bench-admin@example.com", "password": "bench-admin-password"}
BIN = Path(sys.executable).parent


def say(message):
    print(f"--> {message}", flush=True)


def stack_env(**overrides):
    """Environment of every bench process (services, stack commands)."""
    env = {
        "RUN_DIR": str(RUN_DIR),
        "DB_PREFIX": DB_PREFIX,
        "GATEWAY_ADDRESS": GATEWAY_ADDRESS,
        "AMQP_URI": amqp_uri_for(VHOST),
        "MONGO_URI": MONGO_URI,
        "ADMIN_EMAIL": ADMIN["email"],
        "ADMIN_PASSWORD": ADMIN["password"],
        # every bench customer signs up from 127.0.0.1 (bench/fixtures.py)
        "LIMIT_REGISTRATIONS_PER_CLIENT": "1000000",
        # a bench customer books one seat after another for the whole run
        "LIMIT_ORDERS_PER_USER": "1000000",
    }
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def bench_config(**overrides):
    return load_config(environ=stack_env(**overrides))


def gateway_url():
    return f"http://{GATEWAY_ADDRESS}"


def baseline_url():
    return f"http://{BASELINE_ADDRESS}"


def gateway_healthy():
    try:
        return requests.get(gateway_url() + "/health", timeout=3).status_code == 200
    except requests.RequestException:
        return False


def stack(command, *args, **overrides):
    """``python -m ops COMMAND`` for the bench system; its chatter goes to a log."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUN_DIR / "stack.log", "ab") as log:
        done = subprocess.run(
            [sys.executable, "-m", "ops", command, *args],
            cwd=ROOT, env=dict(os.environ, **stack_env(**overrides)), stdout=log, stderr=subprocess.STDOUT,
        )
    if done.returncode:
        sys.exit(f"`python -m ops {command}` failed; see {RUN_DIR / 'stack.log'}")
    say(f"stack {command} {' '.join(args)}: done".replace("  ", " "))


def drop_stores():
    """Forget the previous bench run: its databases, Mongo files and vhost."""
    config = bench_config()
    for service in registry.SQL_SERVICES:
        drop_database(service_db_uri(config, service))
    host, port = host_port(MONGO_URI, 27017)
    if answers(host, port):  # a stand-in left running: empty it, do not pull its files away
        drop_mongo()
    else:
        shutil.rmtree(RUN_DIR / "mongo-data", ignore_errors=True)
    delete_vhost(VHOST)


def drop_mongo():
    config = bench_config()
    client = mongo_client(config)
    try:
        for service in registry.MONGO_SERVICES:
            client.drop_database(service_db_name(config, service))
    finally:
        client.close()


def up(**overrides):
    create_vhost(VHOST)
    stack("up", **overrides)


def down():
    stack("down")
    FINGERPRINT.unlink(missing_ok=True)


def pid_of(service):
    path = RUN_DIR / f"{service}.pid"
    return int(path.read_text()) if path.exists() else None


def service_pids():
    """The bench system's service processes (every replica), not the MongoDB stand-in."""
    pids = []
    for path in RUN_DIR.glob("*.pid"):
        if path.stem.partition(".")[0] in registry.ALL_NAMES:
            pids.append(int(path.read_text()))
    return pids


def restart_service(service, **overrides):
    """Stop one of the bench's services and start it again with other settings."""
    pid = pid_of(service)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        (RUN_DIR / f"{service}.pid").unlink(missing_ok=True)
    stack("up", "--no-seed", **overrides)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


FINGERPRINT = RUN_DIR / "bench-fingerprint.json"


def recorded_fingerprint():
    """What the running bench system was started with (``None``: unknown, so not reusable)."""
    try:
        return json.loads(FINGERPRINT.read_text())
    except (OSError, ValueError):
        return None


def record_fingerprint(identity):
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    FINGERPRINT.write_text(json.dumps(identity, indent=2, default=str) + "\n")


class Baselines:
    """The baseline services (bench/baseline.py), each its own ``nameko run``."""

    def __init__(self):
        self.processes = []

    def __enter__(self):
        create_vhost(BASELINE_VHOST)
        env = dict(os.environ, BASELINE_AMQP_URI=amqp_uri_for(BASELINE_VHOST), BASELINE_ADDRESS=BASELINE_ADDRESS,
                   BASELINE_MONGO_URI=MONGO_URI)
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        for service in ("bench.baseline:EchoService", "bench.baseline:BaselineHttpService"):
            log = open(RUN_DIR / f"baseline-{service.split(':')[1]}.log", "ab")
            self.processes.append(subprocess.Popen(
                [str(BIN / "nameko"), "run", "--config", str(BENCH_DIR / "baseline.yaml"), service],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(baseline_url() + "/one-hop", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"baseline services did not answer; see {RUN_DIR}/baseline-*.log")

    @property
    def pids(self):
        return [process.pid for process in self.processes]

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        delete_vhost(BASELINE_VHOST)
