# The README's first two commands: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
SERVICE ?= order
RUN_DIR ?= .run
export RUN_DIR

.PHONY: install up down restart status test unit lint seed shell logs migrate bench chaos audit compose-check clean dlq

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)
	@echo "==> dependencies installed in $(VENV)"

# Local defaults for the first admin; override: ADMIN_EMAIL=... ADMIN_PASSWORD=... make up
up: export ADMIN_EMAIL ?= admin@example.com
up: export ADMIN_PASSWORD ?= admin-change-me
up: install
	@$(PY) -m ops up

down:
	@if test -x $(PY); then $(PY) -m ops down; else echo "nothing to stop (no $(VENV))"; fi

restart: down up

status: install
	@$(PY) -m ops status

migrate: install
	@$(PY) -m ops migrate

seed: install
	@$(PY) -m ops seed

test: install
	@$(PY) -m pytest $(PYTEST_ARGS)

# The tests that need no server (none of RabbitMQ, PostgreSQL, MariaDB, Redis, MongoDB):
# tests/helpers/harness.py marks the others `integration`.
unit: install
	@$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

lint: install
	@$(VENV)/bin/ruff check .

# An interactive nameko shell on the running system: `make shell SERVICE=track`
shell: install
	@$(PY) -m ops shell $(SERVICE)

# Dead letters of the running system: `make dlq`, `make dlq ARGS="replay <id>"` (see ops/deadletters.py)
dlq: install
	@$(PY) -m ops.deadletters $(ARGS)

# Reconcile order's, payment's and ticket's records through their audit RPCs (read-only, safe on a
# live system): exit 0 clean, 1 discrepancies (printed with their ids), 2 a service could not be read.
# AUDIT_ARGS: see python -m ops.audit -h (e.g. AUDIT_ARGS="--json --recheck-seconds 60")
audit: install
	@$(PY) -m ops.audit $(AUDIT_ARGS)

# Follow every log of the system started by `make up`
logs:
	@ls $(RUN_DIR)/*.log >/dev/null 2>&1 || { echo "no logs in $(RUN_DIR): run make up first"; exit 1; }
	@tail -n 50 -F $(RUN_DIR)/*.log

# Load tools (locust, py-spy) live in their own venv, bench/.venv. BENCH_ARGS: see python -m bench.run -h
bench: install
	@test -x bench/.venv/bin/python || $(PYTHON) -m venv bench/.venv
	@bench/.venv/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt
	@$(PY) -m bench.run $(BENCH_ARGS)

# A real fault run on its own system (.run-chaos/): SIGKILLs, broker and database connections
# cut, Mongo stopped, under booking load; figures in .run-chaos/results/. CHAOS_ARGS: see python -m ops.chaos -h
chaos: install
	@$(PY) -m ops.chaos $(CHAOS_ARGS)

# `docker compose` if the plugin is installed, else the same CLI from requirements-dev.txt
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo "$(VENV)/bin/docker-compose")

compose-check: install
	@JWT_SECRET=$${JWT_SECRET:-checked} ADMIN_PASSWORD=$${ADMIN_PASSWORD:-checked} $(COMPOSE) config --quiet && echo "docker-compose.yml is valid ($$($(COMPOSE) version --short))"

clean: down
	rm -rf $(RUN_DIR) .pytest_cache
