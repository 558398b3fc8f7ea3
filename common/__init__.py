"""What every service imports at run time: settings, errors, entry points, stores, RPC, tokens, logging.
Operator tooling lives in ``ops/``, the test harness in ``tests/helpers/``."""
