"""Results: ``bench/results/<date>.json`` and the figures in ``docs/benchmarks.md`` and README.md.

Every figure the two documents quote sits between ``<!-- bench:…:start -->`` and
``<!-- bench:…:end -->`` markers and is rendered here from one result file, the
newest one (``python -m bench.report`` rewrites them from it); a unit test
(tests/test_bench_report.py) checks the documents still equal that rendering.
"""
import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.floor import STORE_ROUND_TRIPS, booking_floor
from common.config import ROOT

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DOC = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"


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


def newest():
    """The newest result file (names sort by time) and its content."""
    path = max(RESULTS_DIR.glob("*.json"))
    return path, json.loads(path.read_text())


def _ms(value):
    return "–" if value is None else f"{value:.0f}"


def _ratio(entry):
    if entry.get("ratio") is None:
        return "–"
    low, high = entry["ratio_range"]
    return f"{entry['ratio']:.3f}× {entry['baseline'].removeprefix('baseline_')} ({low:.3f}–{high:.3f})"


def _met(entry):
    if entry.get("target") is None:
        return "–"
    return f"{entry['target']}: {'met' if entry['met'] else '**not met yet**'}"


def header(results):
    m, code, system = results["machine"], results["code"], results.get("system", {})
    s = results["settings"]
    settings = system.get("settings", {})
    shown = ", ".join(f"{key}={value}" for key, value in settings.items() if key != "overrides")
    reuse = "reused (same fingerprint)" if system.get("reused") else "started for this run"
    if system.get("restarted_because"):
        reuse += f" (a running one was restarted: {system['restarted_because']})"
    return [
        f"Result `{results['json']}`: commit `{(code['commit'] or '?')[:12]}`"
        f"{' with uncommitted changes' if code['dirty'] else ', clean tree'}, started {results['started_at']}; "
        f"{m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, nameko {m['nameko']}, "
        f"eventlet {m['eventlet']}, {m['load_tool']}, PostgreSQL {m['postgres']}; load average at start "
        f"{m['load_average_at_start'][0]:.2f}.",
        "",
        f"Bench system {reuse}; settings: {shown}. Each scenario {s['seconds']} s counted after a "
        f"{s['warmup']} s warm-up, each baseline {s['baseline_seconds']} s after the same warm-up; closed loop.",
    ]


def scenario_table(results):
    lines = ["", "| run | users | rate /s | p50 ms | p99 ms | errors | ratio (median, range) | target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, entry in results["baselines"].items():
        reps = ", ".join(f"{rep['rps']:.0f}" for rep in entry["repetitions"])
        lines.append(f"| {name} ×{len(entry['repetitions'])} | 20 | {entry['rps']:.1f} (median of {reps}) "
                     f"| {_ms(entry['p50_ms'])} | – | – | – | – |")
    for name, entry in results["scenarios"].items():
        lines.append(f"| {name} | {entry['users']} | {entry['rps']:.1f} | {_ms(entry['p50_ms'])} "
                     f"| {_ms(entry['p99_ms'])} | {entry['errors']} | {_ratio(entry)} | {_met(entry)} |")
    lines += ["", "Rate of `booking` and `contention`: bookings that reached TICKETED per second (failed flows "
                  "are not counted; they are listed below). `contention`'s 20 seats mostly sell during its "
                  "warm-up: its figure is the oversold check below, not a rate."]
    for name, entry in results["scenarios"].items():
        if entry.get("flows_failed") or entry["exceptions"] or entry["failure_messages"]:
            reasons = "; ".join(f"{f['count']} × {f['name']}: {f['error'][:120]}" for f in entry["failure_messages"])
            raised = "; ".join(f"{e['count']} × {e['message'][:120]}" for e in entry["exceptions"])
            lines += ["", f"{name}: {entry.get('flows_failed', entry['failures'])} failed; "
                          f"{reasons or 'no failure rows'}{'; exceptions: ' + raised if raised else ''}."]
    return lines


def contention_and_counts(results):
    lines = []
    check = results["scenarios"].get("contention", {}).get("oversold_check")
    if check:
        lines += ["", f"Contention: {check['orders_ticketed']} orders ticketed for {check['seat_pool']} seats, "
                      f"{check['lost_races_409']} lost races (409), {check['oversold_seats']} oversold seats; "
                      f"seat map agrees with the tickets: {check['ticketed_matches_seat_map']}."]
    per = results.get("per_booking")
    if per:
        by_exchange = ", ".join(f"{k} {v}" for k, v in per["events_by_exchange_per_booking"].items())
        lines += ["", f"Per booking ({per['bookings']} serial bookings, RabbitMQ counters): "
                      f"{per['rpc_calls_per_booking_without_polls']} RPC calls plus one per status poll, "
                      f"{per['events_per_booking']} events published ({by_exchange}), "
                      f"{per.get('event_deliveries_per_booking', '–')} delivered to handlers."]
    return lines


def scale_table(results):
    data = results.get("scale_data")
    if not data:
        return []
    lines = ["", f"Grown stores: {data['flights']:,} flights in track, {data['tickets']:,} tickets and "
                 f"{data['seats']:,} seats in ticket (bulk COPY in {data['seconds']} s; asked for "
                 f"{data['flights_target']:,} flights and {data['tickets_target']:,} tickets within "
                 f"{data['budget_seconds']} s).", "",
             "| scenario | demo size /s | grown /s | grown ÷ demo | p50 ms demo → grown "
             "| ratio to one-hop demo → grown |",
             "|---|---|---|---|---|---|"]
    for entry in results["scenarios"].values():
        base = results["scenarios"].get(entry.get("scale_of"))
        if not base:
            continue
        ratio = f"{entry['rps'] / base['rps']:.2f}×" if base["rps"] else "–"
        lines.append(f"| {entry['scale_of']} | {base['rps']:.1f} | {entry['rps']:.1f} | {ratio} "
                     f"| {_ms(base['p50_ms'])} → {_ms(entry['p50_ms'])} "
                     f"| {base.get('ratio', 0):.3f} → {entry.get('ratio', 0):.3f} |")
    return lines


def query_scale_table(scale):
    if not scale:
        return []
    sizes = [key for key in scale if key.isdigit()]
    lines = ["", "Track's search query alone (`track.store.flights_on_route`, serial):", "",
             "| flights | p50 ms | p99 ms | rows per query |", "|---|---|---|---|"]
    for size in sizes:
        entry = scale[size]
        lines.append(f"| {entry['flights']:,} | {entry['p50_ms']:.2f} | {entry['p99_ms']:.2f} "
                     f"| {entry['rows_per_query']} |")
    return lines


def floor_block(results):
    floor = booking_floor(results)
    if not floor:
        return ["", "No floor: this run lacks a baseline's CPU figures, the booking run or the message count."]
    c, u, p, b = floor["costs_ms"], floor["units"], floor["parts_ms"], floor["broker_costs_ms"] or {}
    rows = [("HTTP request (client included)", "http_request"), ("RPC hop", "rpc_hop"),
            ("event (publish + handler)", "event"), ("SQL round trip", "sql_round_trip"),
            ("MongoDB round trip", "mongo_round_trip")]
    lines = ["", "| unit | CPU ms each (same-run baselines) | per booking | CPU ms per booking "
                 "| RabbitMQ CPU ms each (shared broker: upper bound) |", "|---|---|---|---|---|"]
    lines += [f"| {label} | {c[key]:.3f} | {u[key]:g} | {p[key]:.2f} | {_num(b.get(key))} |" for label, key in rows]
    by_group = floor["measured_by_group_ms"]
    groups = ", ".join(f"{group} {value:.1f}" for group, value in by_group.items() if group != "broker")
    groups += f"; the broker another {by_group.get('broker', 0):.1f}"
    lines += [f"| **floor** | | | **{floor['floor_ms']:.2f}** | |", "",
              f"A one-hop request costs {floor['one_hop_ms']:.3f} CPU ms, so the floor is "
              f"{floor['floor_ratio_to_one_hop']:.3f}× one-hop. A measured booking (`booking` run) costs "
              f"{floor['measured_ms']:.1f} CPU ms without the broker ({groups}): "
              f"{floor['measured_over_floor']}× the floor, {floor['measured_cpu_ratio_to_one_hop']:.3f}× one-hop "
              f"in CPU terms."]
    return lines


def _num(value):
    return "–" if value is None else f"{value:.3f}"


def targets(results):
    s = results["scenarios"]
    floor = booking_floor(results)
    lines = ["| target | measured (this result) | status |", "|---|---|---|"]

    def row(label, name, measured):
        entry = s.get(name)
        if entry and entry.get("target"):
            lines.append(f"| {label} | {measured(entry)} | {'met' if entry['met'] else '**not met yet**'} |")

    row("bookings ≥ 0.24× one-hop, p99 < 1 s, 0 errors", "booking",
        lambda e: f"{e.get('ratio', 0):.3f}× ({e['rps']:.1f}/s), p99 {_ms(e['p99_ms'])} ms, {e['errors']} errors")
    if floor:
        lines.append(f"| …or, the floor being {floor['floor_ratio_to_one_hop']:.3f}× one-hop, CPU per booking "
                     f"within 1.25× of the floor | {floor['measured_over_floor']}× "
                     f"| {'met' if floor['measured_over_floor'] <= 1.25 else '**not met yet**'} |")
    row("uncached search ≥ 0.9× one-hop", "search_uncached", lambda e: f"{e.get('ratio', 0):.3f}×")
    row("cached search ≥ 0.95× bare HTTP", "search_cached", lambda e: f"{e.get('ratio', 0):.3f}×")
    row("contention: 0 errors, 0 oversold", "contention",
        lambda e: f"{e['errors']} errors, {e['oversold_check']['oversold_seats']} oversold")
    return lines


def blocks(results):
    """``{marker: text}`` of every generated block."""
    detail = (header(results) + scenario_table(results) + contention_and_counts(results) + scale_table(results)
              + query_scale_table(results.get("scale")) + [f"\n{note}" for note in results.get("notes", [])])
    readme = [f"From `{results['json']}` (commit `{(results['code']['commit'] or '?')[:12]}`, figures as ratios "
              f"to same-run baselines on a shared 2-core machine):", "", *targets(results)]
    return {"results": "\n".join(detail), "targets": "\n".join(targets(results)),
            "floor": "\n".join(floor_block(results)), "readme": "\n".join(readme)}


def store_round_trip_table():
    lines = ["| step | SQL | MongoDB |", "|---|---|---|"]
    lines += [f"| {what} | {sql} | {mongo} |" for what, sql, mongo in STORE_ROUND_TRIPS]
    return "\n".join(lines)


def _replace(text, marker, body):
    start, end = f"<!-- bench:{marker}:start -->", f"<!-- bench:{marker}:end -->"
    if start not in text:
        raise ValueError(f"no {start} marker")
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{body}\n{end}", text, flags=re.S)


def rendered(results, doc_text, readme_text):
    """The two documents with every block rendered from ``results``."""
    generated = blocks(results)
    for marker in ("results", "targets", "floor"):
        doc_text = _replace(doc_text, marker, generated[marker])
    doc_text = _replace(doc_text, "store-round-trips", store_round_trip_table())
    return doc_text, _replace(readme_text, "readme", generated["readme"])


def update_docs(results):
    doc, readme = rendered(results, DOC.read_text(), README.read_text())
    DOC.write_text(doc)
    README.write_text(readme)


def main():
    path, results = newest()
    update_docs(results)
    print(f"docs/benchmarks.md and README.md rendered from {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
