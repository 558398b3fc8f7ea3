"""The quick part of `make chaos`: real `nameko run` processes under booking load, two
of them SIGKILLed together and restarted, then every AMQP connection closed by the
broker; every invariant of ops/chaos/checks.py must hold after each fault and at the end.

It runs as its own process (plain threads, no eventlet monkey-patching) exactly as
`make chaos CHAOS_ARGS="--plan quick"` does, and reads back the figures it wrote.
"""
import json
import subprocess
import sys

import pytest

from common.config import ROOT

# a whole system on the real servers, started by the run itself
pytestmark = pytest.mark.integration


def test_quick_chaos_run_keeps_every_invariant(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ops.chaos", "--plan", "quick", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
    )
    output = done.stdout[-4000:] + done.stderr[-4000:]
    written = list(tmp_path.glob("*.json"))
    assert len(written) == 1, output
    result = json.loads(written[0].read_text())
    assert result["violations"] == [], output
    assert result["errors"] == [] and result["buyer_errors"] == [], output
    assert done.returncode == 0 and result["invariants_held"], output

    kinds = [fault["kind"] for fault in result["faults"]]
    assert kinds == ["sigkill", "amqp_connections_closed"], output
    killed = result["faults"][0]["injected"]["killed"]
    assert set(killed) == {"order", "payment"}, killed
    assert result["faults"][1]["injected"]["closed"] > 0, result["faults"][1]
    for fault in result["faults"]:
        assert fault["recovered_after_s"] is not None and fault["settled_after_s"] is not None, fault
    assert result["bookings"]["paid"] > 0 and result["bookings"]["orders_seen"] > 0, result["bookings"]
    assert not any(status.startswith("5") and status != "503" for status in result["answer_totals"]), output
