"""CPU seconds a load run cost, per process group, read from /proc (exact per process).

Groups: the processes under test (the baseline services, or the bench system's
services), the bench's MongoDB stand-in, the PostgreSQL backends serving them (found
in ``pg_stat_activity``), RabbitMQ (``beam.smp``: a broker shared with whoever else
uses this machine, so its figure is an upper bound) and the load generator (locust,
read from this process's children's rusage). Unlike a rate, CPU per request does not
move when other work on the machine takes cores away.
"""
import os
import resource
import subprocess
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PG_QUERY = ("SELECT pid FROM pg_stat_activity WHERE datname LIKE 'bench\\_%' "
            "OR application_name = 'bench_baseline'")


def cpu_seconds(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def broker_pids():
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "beam.smp":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def postgres_pids():
    try:
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", PG_QUERY],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [int(line) for line in out.split() if line.isdigit()]


def _children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Window:
    """``start()`` when counting starts, ``stop()`` when it ends; ``seconds()`` per group."""

    def __init__(self, tested_pids, mongo_pid=None):
        self.groups = {"tested": list(tested_pids), "mongo": [mongo_pid] if mongo_pid else []}
        self.before = self.after = None

    def _snapshot(self):
        groups = dict(self.groups, postgres=postgres_pids(), broker=broker_pids())
        return {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    def start(self):
        self.before = self._snapshot()

    def stop(self):
        self.after = self._snapshot()

    def seconds(self):
        if not self.before or not self.after:
            return None
        spent = {}
        for name, after in self.after.items():
            before = self.before.get(name, {})
            spent[name] = round(sum(after[pid] - before[pid] for pid in after
                                    if after[pid] is not None and before.get(pid) is not None), 2)
        return spent


class ClientCpu:
    """The load generator's CPU: children's rusage around the run, pro-rated to the counted part."""

    def __init__(self):
        self.started = _children()

    def seconds(self, counted_fraction):
        return round((_children() - self.started) * counted_fraction, 2)
