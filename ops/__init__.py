"""Operator tooling behind `make up`, `make down` and friends: ``python -m ops <command>``.

- ``ops.cli``: the commands (up, down, status, migrate, seed, shell, check).
- ``ops.servers``: the backing servers (are they there?), the MongoDB stand-in, migrations.
- ``ops.processes``: the processes we start: pid files, logs, spawn, stop.
- ``ops.seed``: demo data.

Never imported by a service.
"""
import warnings

# Operators read this package's output, and importing common.config imports nameko,
# hence eventlet: its deprecation notice is filtered here, before any module of the
# package imports it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
