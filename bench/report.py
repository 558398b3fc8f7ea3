"""Results: ``bench/results/<date>.json`` and the table in ``docs/benchmarks.md``."""
import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from common.config import ROOT

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def machine(locust_version):
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(total_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "nameko": version("nameko"),
        "eventlet": version("eventlet"),
        "load_tool": locust_version,
        "postgres": _first_line(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"]),
        "load_average_at_start": os.getloadavg(),
    }


def _first_line(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def write_json(results):
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def _ms(value):
    return "–" if value is None else f"{value:.0f}"


def _ratio(entry):
    if entry.get("ratio") is None:
        return "–"
    return f"{entry['ratio']:.2f}× {entry['baseline']}"


def _target(entry):
    if entry.get("target") is None:
        return "–"
    return f"{entry['target']} → {'met' if entry['met'] else 'NOT met'}"


def table(results):
    m = results["machine"]
    lines = [
        f"Run `{results['started_at']}` ({results['json']}), {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}, nameko {m['nameko']}, eventlet {m['eventlet']}, "
        f"{m['load_tool']}, PostgreSQL {m['postgres']}; load average at start {m['load_average_at_start'][0]:.2f}. "
        f"{results['settings']['seconds']} s per scenario, closed loop (no think time).",
        "",
        "| scenario | users | req/s | p50 ms | p95 ms | p99 ms | errors | ratio to baseline | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in results["scenarios"].items():
        lines.append(
            f"| {name} | {entry['users']} | {entry['rps']:.1f} | {_ms(entry['p50_ms'])} | {_ms(entry['p95_ms'])} "
            f"| {_ms(entry['p99_ms'])} | {entry['failures']} | {_ratio(entry)} | {_target(entry)} |"
        )
    lines += ["", "req/s of `booking` and `contention` = complete bookings per second (place → pay → TICKETED)."]
    check = results["scenarios"].get("contention", {}).get("oversold_check")
    if check:
        lines += ["", f"Contention: {check['orders_ticketed']} orders ticketed for {check['seat_pool']} seats, "
                      f"{check['lost_races_409']} lost races (409), {check['oversold_seats']} oversold seats; "
                      f"seat map agrees with the tickets: {check['ticketed_matches_seat_map']}."]
    per = results.get("per_booking")
    if per:
        lines += ["", f"Per booking ({per['bookings']} serial bookings, RabbitMQ counters): "
                      f"{per['rpc_calls_per_booking_without_polls']} RPC calls plus one per status poll "
                      f"({per['polls_per_booking']} polls each here), {per['events_per_booking']} events "
                      f"({', '.join(f'{k} {v}' for k, v in per['events_by_exchange_per_booking'].items())})."]
    lines += scale_table(results.get("scale"))
    for extra in results.get("notes", []):
        lines += ["", extra]
    return "\n".join(lines)


def scale_table(scale):
    if not scale:
        return []
    sizes = [key for key in scale if key.isdigit()]
    lines = [
        "", "Search query (`track.store.flights_on_route`, serial, same probe routes at every size):", "",
        "| flights | p50 ms | p95 ms | p99 ms | rows per query | generated in s |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        entry = scale[size]
        lines.append(f"| {entry['flights']:,} | {entry['p50_ms']:.2f} | {entry['p95_ms']:.2f} | {entry['p99_ms']:.2f} "
                     f"| {entry['rows_per_query']} | {entry['generate_seconds']} |")
    summary = scale.get("summary")
    if summary:
        lines += ["", f"p50 at the largest size / p50 at the smallest: {summary['p50_ratio_largest_to_smallest']}× "
                      f"(target {summary['target']}: {'met' if summary['met'] else 'NOT met'})."]
    largest = scale[sizes[-1]]
    lines += ["", f"Plan at {largest['flights']:,} flights:", "", "```", *largest["plan"], "```"]
    return lines


def update_doc(results):
    """Replace the generated block of docs/benchmarks.md; the prose around it stays."""
    block = f"{START}\n{table(results)}\n{END}"
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    DOC.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S))
