"""`make up` / `make down`, for real: the README's first command, end to end.

`make up` runs in a subprocess with its own RUN_DIR, gateway port, database
prefix, RabbitMQ vhost and MongoDB port, so it can collide neither with a
developer's running system nor with this test session. Nothing is mocked: the
services are `nameko run` processes and the MongoDB stand-in is the one `make up`
starts itself.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
import requests
from openapi_spec_validator import validate

from common import registry
from common.config import ROOT, load_config
from common.sql import drop_database, service_db_uri
from ops.processes import is_gone
from tests.helpers.harness import amqp_uri_for, create_vhost, delete_vhost, free_port

MAKE_TIMEOUT = 300  # `make up` waits for health and seeds demo data
PG_PASSWORD = "not-a-secret"
SERVICES = registry.ALL_NAMES


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def run(command, environ, timeout=MAKE_TIMEOUT):
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)


def make(target, environ):
    result = run(["make", "--no-print-directory", target], environ)
    assert result.returncode == 0, f"make {target} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pids(run_dir):
    return {path.stem: int(path.read_text()) for path in run_dir.glob("*.pid") if path.stem in (*SERVICES, "mongo")}


def processes_with(environ_entry):
    """Live processes whose environment holds ``environ_entry`` (our RUN_DIR)."""
    found = []
    needle = environ_entry.encode() + b"\0"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if needle in (proc / "environ").read_bytes() and not is_gone(int(proc.name)):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def kill_leftovers(run_dir):
    """Safety net after a failed run: end what still runs with our (unique) RUN_DIR."""
    leftovers = processes_with(f"RUN_DIR={run_dir}")
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    return leftovers


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A private `make up`; at the end `make down` (again, harmlessly) and every store dropped."""
    prefix = f"mk{uuid.uuid4().hex[:8]}_"
    vhost = prefix + "up"
    create_vhost(vhost)
    gateway_port, mongo_port = free_port(), free_port()
    run_dir = tmp_path_factory.mktemp("make-up")
    environ = dict(
        os.environ,
        RUN_DIR=str(run_dir),
        GATEWAY_ADDRESS=f"127.0.0.1:{gateway_port}",
        DB_PREFIX=prefix,
        AMQP_URI=amqp_uri_for(vhost),
        MONGO_URI=f"mongodb://127.0.0.1:{mongo_port}",
        # with a password, as docker-compose.yml passes it (the local server trusts any):
        # the URI must be used as given and never printed with its password
        POSTGRES_URI=f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:5432",
        ADMIN_EMAIL=f"admin-{prefix[:-1]}@example.com",
        ADMIN_PASSWORD="make-up-test-password",
    )
    stack = {"environ": environ, "run_dir": run_dir, "gateway_port": gateway_port, "mongo_port": mongo_port,
             "url": f"http://127.0.0.1:{gateway_port}"}
    try:
        stack["up_output"] = make("up", environ)
        stack["pids"] = pids(run_dir)
        yield stack
    finally:
        run(["make", "down"], environ)
        kill_leftovers(run_dir)
        config = load_config(environ={k: environ[k] for k in ("DB_PREFIX", "AMQP_URI", "MONGO_URI", "POSTGRES_URI")})
        for service in registry.SQL_SERVICES:
            drop_database(service_db_uri(config, service))
        client = redis.Redis.from_url(config["REDIS_URI"])
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        delete_vhost(vhost)


@pytest.mark.integration
def test_make_up_prints_where_to_go_and_how_to_log_in(stack):
    output, url, environ = stack["up_output"], stack["url"], stack["environ"]
    assert re.search(rf"^Gateway:\s+{re.escape(url)}$", output, re.M), output
    assert f"{url}/docs" in output
    assert f"{environ['ADMIN_EMAIL']} / {environ['ADMIN_PASSWORD']}" in output
    assert "make down" in output
    prefix = environ["DB_PREFIX"]
    assert f"created database postgresql://postgres:***@127.0.0.1:5432/{prefix}auth" in output
    assert PG_PASSWORD not in output


@pytest.mark.integration
def test_make_up_runs_every_service_and_its_own_mongo(stack):
    assert set(stack["pids"]) == {*SERVICES, "mongo"}
    assert all(not is_gone(pid) for pid in stack["pids"].values())
    assert answers(stack["mongo_port"]), "make up did not start the MongoDB stand-in on MONGO_URI"
    for name in SERVICES:
        assert (stack["run_dir"] / f"{name}.log").stat().st_size > 0, f"no log for {name}"


@pytest.mark.integration
def test_health_lists_all_six_services_up(stack):
    response = requests.get(stack["url"] + "/health", timeout=10)
    assert response.status_code == 200, response.text
    services = response.json()["services"]
    assert set(services) == set(registry.DOMAIN_SERVICES)
    assert {state["status"] for state in services.values()} == {"up"}


@pytest.mark.integration
def test_docs_render_and_openapi_validates(stack):
    page = requests.get(stack["url"] + "/docs", timeout=10)
    assert page.status_code == 200 and "swagger-ui" in page.text
    spec = requests.get(stack["url"] + "/openapi.json", timeout=10)
    assert spec.status_code == 200
    validate(spec.json())
    assert "/health" in spec.json()["paths"]


@pytest.mark.integration
def test_make_up_again_is_harmless(stack):
    output = make("up", stack["environ"])
    assert pids(stack["run_dir"]) == stack["pids"], "a second make up replaced running processes"
    assert output.count("already running") == len(SERVICES)
    assert requests.get(stack["url"] + "/health", timeout=10).status_code == 200


@pytest.mark.integration
def test_make_down_stops_exactly_what_make_up_started(stack):
    # a process that is not ours, started before `make down`, must survive it
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        output = make("down", stack["environ"])
        for name, pid in stack["pids"].items():
            assert f"{name} (pid {pid})" in output
            assert is_gone(pid), f"{name} (pid {pid}) still runs after make down"
        assert not answers(stack["gateway_port"])
        assert not answers(stack["mongo_port"])
        assert pids(stack["run_dir"]) == {}, "make down left pid files behind"
        assert processes_with(f"RUN_DIR={stack['run_dir']}") == []
        assert bystander.poll() is None
        assert "nothing" in make("down", stack["environ"])
    finally:
        bystander.send_signal(signal.SIGTERM)
        bystander.wait(10)


# -- what an operator sees when something is wrong (no `make up` needed) -----------------

def stack_command(command, tmp_path, **overrides):
    environ = dict(os.environ, RUN_DIR=str(tmp_path), **overrides)
    return run([sys.executable, "-m", "ops", *command], environ, timeout=60)


@pytest.mark.integration
def test_a_missing_backing_server_is_named_with_how_to_start_it(tmp_path):
    result = stack_command(["check"], tmp_path, REDIS_URI="redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "Redis does not answer on 127.0.0.1:1 (from REDIS_URI)" in result.stdout
    assert "redis-server --daemonize yes --bind 127.0.0.1 --port 1" in result.stdout
    assert "Missing: Redis." in result.stderr
    assert "PostgreSQL answers" in result.stdout


@pytest.mark.integration
def test_a_wrong_rabbitmq_vhost_is_explained(tmp_path):
    result = stack_command(["check"], tmp_path, AMQP_URI=amqp_uri_for(f"no-such-vhost-{uuid.uuid4().hex[:6]}"))
    assert result.returncode != 0
    assert "RabbitMQ answers but refuses" in result.stderr and "vhost" in result.stderr


@pytest.mark.integration
def test_a_taken_gateway_port_is_explained_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = stack_command(["up"], tmp_path, GATEWAY_ADDRESS=f"127.0.0.1:{port}")
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "GATEWAY_ADDRESS=" in result.stderr
    assert not list(tmp_path.glob("*.pid")), "nothing may start when the port is taken"


def test_down_never_signals_a_process_that_is_not_ours(tmp_path):
    # a stale pid file (say, after a reboot) now naming somebody else's process
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "gateway.pid").write_text(str(stranger.pid))
        result = stack_command(["down"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert "nothing" in result.stdout
        assert stranger.poll() is None
        assert not (tmp_path / "gateway.pid").exists()
    finally:
        stranger.kill()
        stranger.wait(10)
