"""``make bench`` = ``python -m bench.run``: one command, every figure.

1. starts the baseline services and the whole system (``common.stack up`` on
   bench-only databases, vhost, port and run directory; or reuses a bench
   system that is already up) and prepares the scenario data;
2. loads each scenario with locust (headless, separate process), closed loop;
3. checks the contention run sold no seat twice, counts RPC calls and events
   per booking, measures search at 10k/100k/1M flights with its query plan;
4. writes ``bench/results/<date>.json`` and the table in ``docs/benchmarks.md``,
   then stops what it started.

    python -m bench.run                       # everything (~8 min)
    python -m bench.run --only baseline_bare,search_cached --seconds 5
    python -m bench.run --sizes 10000         # smaller scale step
"""
import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from bench import report, system
from bench.load import locust_version, run_locust

BOOKING_ROW = "booking (place, pay, until TICKETED)"


@dataclass
class Scenario:
    name: str
    user_class: str
    target: str  # "baseline" or "gateway"
    users: int = 20
    baseline: str = None
    min_ratio: float = None
    row: str = "Aggregated"


SCENARIOS = [
    Scenario("baseline_bare", "BareBaselineUser", "baseline"),
    Scenario("baseline_one_hop", "OneHopBaselineUser", "baseline"),
    Scenario("search_uncached", "SearchUser", "gateway", baseline="baseline_one_hop", min_ratio=0.9),
    Scenario("search_cached", "SearchUser", "gateway", baseline="baseline_bare", min_ratio=0.7),
    Scenario("seat_map", "SeatMapUser", "gateway", baseline="baseline_one_hop"),
    Scenario("booking", "BookingUserPlenty", "gateway", users=40, row=BOOKING_ROW),
    Scenario("contention", "ContentionUser", "gateway", users=60, row=BOOKING_ROW),
]


def summarise(scenario, stats, seconds, done):
    row = stats.get(scenario.row) or {"requests": 0, "failures": 0, "rps": 0.0, "p50_ms": None,
                                      "p95_ms": None, "p99_ms": None}
    entry = {
        "users": scenario.users, "seconds": seconds,
        "requests": row["requests"], "failures": stats["Aggregated"]["failures"] if "Aggregated" in stats else 0,
        "rps": row["rps"], "p50_ms": row["p50_ms"], "p95_ms": row["p95_ms"], "p99_ms": row["p99_ms"],
        "rows": {name: value for name, value in stats.items() if not name.startswith("_")},
        "failure_messages": stats.get("_failures", []),
    }
    if scenario.baseline and scenario.baseline in done and done[scenario.baseline]["rps"]:
        entry["baseline"] = scenario.baseline
        entry["ratio"] = round(entry["rps"] / done[scenario.baseline]["rps"], 2)
        if scenario.min_ratio is not None:
            entry["target"] = f"≥ {scenario.min_ratio}×"
            entry["met"] = entry["ratio"] >= scenario.min_ratio
    return entry


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument("--seconds", type=int, default=20, help="load per scenario (default 20)")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="flight table sizes; '' to skip")
    parser.add_argument("--keep", action="store_true", help="leave the bench system running at the end")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else {s.name for s in SCENARIOS}
    unknown = wanted - {s.name for s in SCENARIOS}
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")

    for stale in report.RESULTS_DIR.glob("locust-*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": report.machine(locust_version()),
        "settings": {"seconds": args.seconds},
        "scenarios": {},
        "notes": [],
    }
    done = results["scenarios"]
    hosts = {"baseline": system.baseline_url(), "gateway": system.gateway_url()}
    with system.Baselines():
        for scenario in SCENARIOS:
            if scenario.name not in wanted:
                continue
            started = time.monotonic()
            stats = run_locust(scenario.user_class, hosts[scenario.target], scenario.users, args.seconds)
            done[scenario.name] = summarise(scenario, stats, args.seconds, done)
            entry = done[scenario.name]
            system.say(f"{scenario.name}: {entry['rps']} req/s, p50 {entry['p50_ms']} ms, p99 {entry['p99_ms']} ms, "
                       f"{entry['failures']} errors ({time.monotonic() - started:.0f} s)")
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if sizes:
        from bench import scale

        results["scale"] = scale.run(sizes)
    path = report.write_json(results)
    results["json"] = str(path.relative_to(report.ROOT))
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if not args.no_doc:
        report.update_doc(results)
    system.say(f"results: {path}")


if __name__ == "__main__":
    main()
