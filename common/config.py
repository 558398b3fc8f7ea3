"""Load the root ``config.yaml`` exactly as ``nameko run --config`` does.

Nameko's own YAML loader resolves ``${VAR:default}`` from the environment, so the
services, the operator scripts and the tests all see the same values.
"""
import os
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yaml"

setup_yaml_parser()


def load_config(path=CONFIG_PATH, environ=None):
    """Return the config dict with env substitution applied.

    ``environ`` temporarily replaces ``os.environ`` entries (useful for tests and
    for scripts that compute per-run values such as database prefixes).
    """
    saved = {}
    try:
        for key, value in (environ or {}).items():
            saved[key] = os.environ.get(key)
            os.environ[key] = str(value)
        with open(path) as handle:
            return yaml.safe_load(handle)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
