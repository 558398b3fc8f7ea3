"""Production mode with real processes: `nameko run` of auth and the gateway exits with
the list of problems while a development secret is configured, and starts without one."""
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import ROOT
from tests.helpers import wait_until
from tests.helpers.harness import free_port

NAMEKO = str(Path(sys.executable).parent / "nameko")
EXIT_DEADLINE = 90  # seconds; importing a service on a loaded machine takes a few


def nameko_run(service_path, **environ):
    env = {key: value for key, value in os.environ.items()
           if key not in ("JWT_SECRET", "ADMIN_PASSWORD", "ADMIN_EMAIL", "APP_ENV")}
    env.update(environ)
    return subprocess.Popen(
        [NAMEKO, "run", "--config", "config.yaml", service_path], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.mark.parametrize("service_path", ["auth.service:AuthService", "gateway.service:GatewayService"])
def test_production_with_the_development_secret_exits_non_zero_naming_every_problem(service_path, test_config):
    process = nameko_run(service_path, APP_ENV="production", AMQP_URI=test_config["AMQP_URI"],
                         GATEWAY_ADDRESS=f"127.0.0.1:{free_port()}")
    try:
        output, _ = process.communicate(timeout=EXIT_DEADLINE)
    finally:
        process.kill()
    assert process.returncode not in (0, None), output
    service = service_path.split(".")[0]
    assert f"{service} refuses to start with APP_ENV=production:" in output
    assert "JWT_SECRET is a development default" in output
    assert "ADMIN_PASSWORD is empty" in output


def test_production_with_strong_secrets_starts_the_gateway(test_config):
    port = free_port()
    process = nameko_run(
        "gateway.service:GatewayService", APP_ENV="production", AMQP_URI=test_config["AMQP_URI"],
        GATEWAY_ADDRESS=f"127.0.0.1:{port}", JWT_SECRET=secrets.token_urlsafe(48),
        ADMIN_PASSWORD="correct-horse-battery-staple",
    )
    try:
        def listening():
            assert process.poll() is None, process.stdout.read()
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, timeout=EXIT_DEADLINE, step=0.2, what="the gateway to listen")
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
