"""Run locust headless as its own process and read back its CSV summary."""
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
LOCUST = BENCH_DIR / ".venv" / "bin" / "locust"
LOCUSTFILE = BENCH_DIR / "locustfile.py"


def locust_version():
    out = subprocess.run([str(LOCUST), "--version"], capture_output=True, text=True)
    return out.stdout.strip().split(" from ")[0]


def run_locust(user_class, host, users, seconds, data_path=None, out_path=None, env=None, warmup=0):
    """Run ``user_class`` against ``host`` for ``warmup + seconds``; return the parsed stats.

    The stats are reset ``warmup`` seconds in (bench/locustfile.py), so every figure
    counts only the last ``seconds``. The answer has one entry per request name plus
    ``"Aggregated"``, each with requests, failures, rps, p50/p95/p99 (ms); ``_failures``
    (locust's failures file: name, error, count) and ``_exceptions`` (its exceptions
    file: errors raised inside the load code itself, which no request row shows).
    """
    if not LOCUST.exists():
        sys.exit(f"{LOCUST} is missing: run `make bench` (it installs bench/requirements.txt).")
    workdir = Path(tempfile.mkdtemp(prefix="locust-", suffix=".tmp", dir=BENCH_DIR / "results"))
    prefix = workdir / "run"
    environ = dict(os.environ, **(env or {}), BENCH_WARMUP=str(warmup))
    if data_path:
        environ["BENCH_DATA"] = str(data_path)
    if out_path:
        environ["BENCH_OUT"] = str(out_path)
    argv = [
        str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", host,
        "-u", str(users), "-r", str(users), "-t", f"{seconds + warmup:g}s", "--stop-timeout", "10",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", user_class,
    ]
    with open(workdir / "locust.log", "w") as log:
        # exit code 1 only means "some requests failed": the CSV says which
        subprocess.run(argv, env=environ, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + warmup + 120)
    stats = read_stats(prefix.with_name("run_stats.csv"))
    stats["_failures"] = read_failures(prefix.with_name("run_failures.csv"))
    stats["_exceptions"] = read_exceptions(prefix.with_name("run_exceptions.csv"))
    stats["_log"] = str(workdir / "locust.log")
    return stats


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_stats(path):
    rows = {}
    with open(path) as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Name"] != "Aggregated" else "Aggregated"
            rows[name] = {
                "type": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(_number(row["Requests/s"]) or 0, 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "mean_ms": round(_number(row["Average Response Time"]) or 0, 1),
                "max_ms": _number(row["Max Response Time"]),
            }
    return rows


def read_failures(path):
    if not path.exists():
        return []
    with open(path) as handle:
        return [
            {"name": row["Name"], "error": row["Error"][:300], "count": int(row["Occurrences"])}
            for row in csv.DictReader(handle)
        ]


def read_exceptions(path):
    if not path.exists():
        return []
    with open(path) as handle:
        return [
            {"count": int(row["Count"]), "message": row["Message"][:300],
             "where": row["Traceback"].strip().splitlines()[-1][:200] if row["Traceback"].strip() else ""}
            for row in csv.DictReader(handle)
        ]
