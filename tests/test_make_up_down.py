"""`make up` / `make down`, for real: the README's first command, end to end.

`make up` runs in a subprocess with its own RUN_DIR, gateway port, database
prefix, RabbitMQ vhost and MongoDB port, so it can collide neither with a
developer's running system nor with this test session. Nothing is mocked: the
services are `nameko run` processes and the MongoDB stand-in is the one `make up`
starts itself.
"""
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import requests
from openapi_spec_validator import validate

from common import registry
from common.config import ROOT, load_config
from common.sql import drop_database, service_db_uri
from ops.processes import is_gone, process_name, replica_of, service_of
from tests.helpers import wait_until
from tests.helpers.harness import amqp_uri_for, create_vhost, delete_vhost, free_port, rabbit_api

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
    """``{process name: pid}`` from the pid files `make up` wrote (``ticket``, ``ticket.2``, ``mongo``, ``mail``)."""
    found = {}
    for path in run_dir.glob("*.pid"):
        name = path.name.removesuffix(".pid")
        if service_of(name) in (*SERVICES, "mongo", "mail") and (name == service_of(name) or replica_of(name) > 1):
            found[name] = int(path.read_text())
    return found


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


@contextlib.contextmanager
def private_stack(run_dir, **settings):
    """A private `make up` (``settings`` added to its environment); at the end `make down`
    (again, harmlessly) and every store dropped."""
    prefix = f"mk{uuid.uuid4().hex[:8]}_"
    vhost = prefix + "up"
    create_vhost(vhost)
    gateway_port, mongo_port, smtp_port = free_port(), free_port(), free_port()
    environ = dict(
        {name: value for name, value in os.environ.items() if not name.startswith("REPLICAS")},
        RUN_DIR=str(run_dir),
        GATEWAY_ADDRESS=f"127.0.0.1:{gateway_port}",
        DB_PREFIX=prefix,
        AMQP_URI=amqp_uri_for(vhost),
        MONGO_URI=f"mongodb://127.0.0.1:{mongo_port}",
        SMTP_URI=f"smtp://127.0.0.1:{smtp_port}",
        # with a password, as docker-compose.yml passes it (the local server trusts any):
        # the URI must be used as given and never printed with its password
        POSTGRES_URI=f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:5432",
        ADMIN_EMAIL=f"admin-{prefix[:-1]}@example.com",
        ADMIN_PASSWORD="make-up-test-password",
        **settings,
    )
    stack = {"environ": environ, "run_dir": run_dir, "gateway_port": gateway_port, "mongo_port": mongo_port,
             "smtp_port": smtp_port,
             "url": f"http://127.0.0.1:{gateway_port}", "vhost": vhost}
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with private_stack(tmp_path_factory.mktemp("make-up")) as running:
        yield running


@pytest.mark.integration
def test_make_up_prints_where_to_go_and_how_to_log_in(stack):
    output, url, environ = stack["up_output"], stack["url"], stack["environ"]
    assert re.search(rf"^Gateway:\s+{re.escape(url)}$", output, re.M), output
    # the storefront's address is the first thing it prints
    addresses = re.findall(r"^[A-Z][\w ]*:\s+http://.*$", output, re.M)
    assert addresses[0] == f"Storefront: {url}/", addresses[:3]
    assert f"{url}/docs" in output
    assert f"{environ['ADMIN_EMAIL']} / {environ['ADMIN_PASSWORD']}" in output
    assert "make down" in output
    prefix = environ["DB_PREFIX"]
    assert f"created database postgresql://postgres:***@127.0.0.1:5432/{prefix}auth" in output
    assert PG_PASSWORD not in output


@pytest.mark.integration
def test_make_up_runs_every_service_its_own_mongo_and_smtp_sink(stack):
    assert set(stack["pids"]) == {*SERVICES, "mongo", "mail"}
    assert all(not is_gone(pid) for pid in stack["pids"].values())
    assert answers(stack["mongo_port"]), "make up did not start the MongoDB stand-in on MONGO_URI"
    assert answers(stack["smtp_port"]), "make up did not start the SMTP sink on SMTP_URI"
    assert re.search(rf"^Mail:\s+{re.escape(str(stack['run_dir']))}/mail/\*\.eml", stack["up_output"], re.M)
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
def test_a_booking_on_the_demo_data_is_mailed_into_run_dir(stack):
    url = stack["url"]
    email = f"mail-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "a-long-password", "full_name": "Ada Lovelace"}
    assert requests.post(url + "/auth/register", json=body, timeout=10).status_code == 201
    credentials = {"email": email, "password": body["password"]}
    token = requests.post(url + "/auth/login", json=credentials, timeout=10).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    search = {"origin": "CGK", "destination": "DPS", "date": tomorrow, "passengers": 1}
    flight = requests.get(url + "/flights", params=search, timeout=10).json()["items"][0]
    order = requests.post(url + "/orders", headers=auth, timeout=10,
                          json={"flight_id": flight["id"], "passengers": [{"name": "Ada Lovelace"}]}).json()
    assert requests.post(url + "/orders/" + order["id"] + "/cancel", headers=auth, timeout=10).status_code == 200

    def mailed():
        return [path for path in (stack["run_dir"] / "mail").glob("*.eml")
                if f"To: {email}" in path.read_text(errors="replace")]

    [path] = wait_until(mailed, timeout=60, what="the cancelled email in RUN_DIR/mail/")
    assert f"Booking {order['booking_ref']} is cancelled" in path.read_text()
    listed = requests.get(url + "/me/notifications", headers=auth, timeout=10).json()["items"]
    assert [item["kind"] for item in listed] == ["cancelled"]


@pytest.mark.integration
def test_docs_render_and_openapi_validates(stack):
    page = requests.get(stack["url"] + "/docs", timeout=10)
    assert page.status_code == 200 and "swagger-ui" in page.text
    spec = requests.get(stack["url"] + "/openapi.json", timeout=10)
    assert spec.status_code == 200
    validate(spec.json())
    assert "/health" in spec.json()["paths"]


def readme_curl_session():
    """The bash block of the README's "Try it" section, as a reader copies it."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Try it"):]
    return section[section.index("```bash\n") + len("```bash\n"):section.index("\n```", section.index("```bash"))]


@pytest.mark.integration
def test_the_readmes_curl_session_runs_as_written(stack, tmp_path):
    """The README's session on the demo data: search, book, a declined then a good card,
    tickets, check-in, a change of flight, cancel and refund, a round trip with an infant
    managed by reference and last name, a light fare, logout. Only the address differs."""
    session = readme_curl_session()
    assert session.startswith("API=http://127.0.0.1:8000\n"), "the session must start by naming the API's address"
    script = session.replace("API=http://127.0.0.1:8000", f"API={stack['url']}", 1)  # never a developer's system
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # the one refusal the session shows on purpose is the declined card
    assert set(re.findall(r'"error": "(\w+)"', output)) == {"PAYMENT_DECLINED"}, output
    assert '"status": "CONFIRMED"' in output and '"status": "REFUNDED"' in output, output
    assert "<svg" in (tmp_path / "boarding-pass.svg").read_text(), output
    assert result.stdout.rstrip().endswith("204"), output  # logged out


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
        assert not answers(stack["smtp_port"])
        assert pids(stack["run_dir"]) == {}, "make down left pid files behind"
        assert processes_with(f"RUN_DIR={stack['run_dir']}") == []
        assert bystander.poll() is None
        assert "nothing" in make("down", stack["environ"])
    finally:
        bystander.send_signal(signal.SIGTERM)
        bystander.wait(10)


# -- replicas: REPLICAS=2 make up -----------------------------------------------------------

REPLICAS = {"REPLICAS": "2", "REPLICAS_ORDER": "3"}
EXPECTED_REPLICAS = {**dict.fromkeys(registry.DOMAIN_SERVICES, 2), "order": 3, "gateway": 1}
EXPECTED_PROCESSES = {process_name(service, replica)
                      for service, count in EXPECTED_REPLICAS.items() for replica in range(1, count + 1)}


@pytest.fixture(scope="module")
def replicated_stack(tmp_path_factory):
    with private_stack(tmp_path_factory.mktemp("make-up-replicas"), **REPLICAS) as running:
        yield running


def rpc_consumers(vhost):
    """``{service: consumers of its RPC queue}``, from RabbitMQ's management API."""
    base, auth = rabbit_api()
    counts = {}
    for service in registry.DOMAIN_SERVICES:  # the gateway answers HTTP, it has no RPC queue
        queue = requests.get(f"{base}/api/queues/{quote(vhost, safe='')}/rpc-{service}", auth=auth, timeout=10)
        counts[service] = queue.json().get("consumers") if queue.status_code == 200 else None
    return counts


@pytest.mark.integration
def test_replicas_each_run_with_their_own_pid_file_and_log(replicated_stack):
    run_dir, started = replicated_stack["run_dir"], replicated_stack["pids"]
    assert set(started) == EXPECTED_PROCESSES | {"mongo", "mail"}
    for name, pid in started.items():
        assert not is_gone(pid), f"{name} (pid {pid}) is not running"
        assert (run_dir / f"{name}.log").stat().st_size > 0, f"no log for {name}"
        if name not in ("mongo", "mail"):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            assert registry.BY_NAME[service_of(name)].class_path in cmdline, cmdline


@pytest.mark.integration
def test_each_replica_consumes_its_services_rpc_queue(replicated_stack):
    # a replica may still be declaring its queue when /health is first green: wait for it
    expected = {service: EXPECTED_REPLICAS[service] for service in registry.DOMAIN_SERVICES}
    vhost = replicated_stack["vhost"]
    with contextlib.suppress(AssertionError):  # timed out: the assertion below shows the difference
        wait_until(lambda: rpc_consumers(vhost) == expected, timeout=60)
    assert rpc_consumers(vhost) == expected
    answers = []
    with contextlib.suppress(AssertionError):  # every replica answers health: on a loaded machine, eventually
        wait_until(lambda: answers.append(requests.get(replicated_stack["url"] + "/health", timeout=10))
                   or answers[-1].status_code == 200, timeout=30)
    assert answers[-1].status_code == 200, answers[-1].text


@pytest.mark.integration
def test_make_up_again_with_replicas_starts_nothing(replicated_stack):
    output = make("up", replicated_stack["environ"])
    assert pids(replicated_stack["run_dir"]) == replicated_stack["pids"], "a second make up replaced processes"
    assert output.count("already running") == len(EXPECTED_PROCESSES)


@pytest.mark.integration
def test_make_status_lists_every_replica(replicated_stack):
    output = make("status", replicated_stack["environ"])
    for name, pid in replicated_stack["pids"].items():
        assert re.search(rf"^{re.escape(name)}\s+running, pid {pid}$", output, re.M), output


@pytest.mark.integration
def test_make_down_finds_and_stops_every_replica(replicated_stack):
    # without REPLICAS in its environment: `down` goes by the pid files
    environ = {name: value for name, value in replicated_stack["environ"].items() if not name.startswith("REPLICAS")}
    output = make("down", environ)
    for name, pid in replicated_stack["pids"].items():
        assert f"{name} (pid {pid})" in output
        assert is_gone(pid), f"{name} (pid {pid}) still runs after make down"
    assert pids(replicated_stack["run_dir"]) == {}
    assert processes_with(f"RUN_DIR={replicated_stack['run_dir']}") == []


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
