"""What a result was measured on: the code (commit, dirty tree) and the system's settings.

The settings are what the bench system's processes resolve from config.yaml with
the bench's environment (``bench.system.stack_env``), plus the process counts
``python -m ops up`` reads (REPLICAS, REPLICAS_<SERVICE>). Their fingerprint is
kept in the bench RUN_DIR while the system runs, so a later run reuses a running
bench system only when it runs the same code with the same settings.
"""
import dataclasses
import hashlib
import json
import os
import subprocess

from common import registry
from common.config import ROOT, Settings

# Settings that change what a figure means; secrets and addresses are left out.
RECORDED = (
    "max_workers", "search_cache_ttl", "hold_ttl_seconds", "expiry_sweep_seconds", "rpc_timeout",
    "event_max_attempts", "event_retry_pause_seconds", "payment_announce_grace_seconds",
    "ticket_event_relay_seconds", "track_event_relay_seconds", "order_event_relay_seconds",
    "access_token_ttl", "app_env", "metrics_port", "otel_exporter_otlp_endpoint",
)
ENVIRONMENT = ("LOG_LEVEL", "LOG_FORMAT")
# Code the bench system runs: a change under these paths makes a running system stale.
CODE_PATHS = (*registry.ALL_NAMES, "common", "ops", "config.yaml", "requirements.txt")


def _git(*args):
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def code():
    """``{"commit", "dirty", "dirty_files", "diff_sha"}`` of the working tree."""
    changed = (_git("diff", "--name-only", "HEAD") or "").splitlines()
    diff = _git("diff", "HEAD", "--", *CODE_PATHS) or ""
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(changed),
        "dirty_files": changed[:20],
        "service_code_diff_sha": hashlib.sha1(diff.encode()).hexdigest()[:12] if diff else None,
    }


def replicas(environ=os.environ):
    counts = {"default": int(environ.get("REPLICAS") or 1)}
    for name in registry.DOMAIN_SERVICES:
        value = environ.get(f"REPLICAS_{name.upper()}")
        if value:
            counts[name] = int(value)
    return counts


def settings(config, environ=os.environ):
    """The settings a bench system started with ``config`` runs with."""
    resolved = dataclasses.asdict(Settings.from_config(config))
    recorded = {name: resolved[name] for name in RECORDED}
    recorded["replicas"] = replicas(environ)
    recorded.update({name.lower(): environ.get(name) for name in ENVIRONMENT if environ.get(name)})
    return recorded


def fingerprint(settings_of_system, code_of_system):
    """One string that changes whenever the code the services run or their settings change."""
    identity = {
        "settings": settings_of_system,
        "commit": code_of_system["commit"],
        "diff": code_of_system["service_code_diff_sha"],
    }
    return hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
