"""``make bench`` = ``python -m bench.run``: one command, every figure.

1. starts the baseline services and the whole system (``python -m ops up`` on
   bench-only databases, vhost, port and run directory); a bench system already up
   is reused only when its code and settings fingerprint (``.run-bench/
   bench-fingerprint.json``) equals this run's, else it is restarted;
2. loads each scenario with locust (headless, separate process, closed loop), a
   warm-up first that the figures leave out, and a round of the baselines between
   scenarios: every ratio is the median of the ratios to each baseline repetition;
3. checks the contention run sold no seat twice, counts RPC calls and events per
   booking, grows the stores to 1M flights and 1M issued tickets and runs search
   and booking again on them;
4. writes ``bench/results/<date>.json`` (with the git commit, the settings and
   whether the system was reused), regenerates the figures in
   ``docs/benchmarks.md`` and README.md from it, then stops what it started.

    python -m bench.run                       # everything (~20 min)
    python -m bench.run --only baseline_bare,search_cached --seconds 5 --no-scale
"""
import argparse
import json
import shutil
import statistics
import sys
import threading
import time
from datetime import UTC, datetime

from bench import bulk, cpu, messages, provenance, report, system
from bench.load import locust_version, run_locust
from bench.scenarios import (
    BASELINES,
    FLOOR_BASELINES,
    GATEWAY_SCENARIOS,
    NEEDS_SEATS,
    ROUND,
    SCALED,
    check_contention,
    judge,
    summarise,
)
from bench.sut import SystemUnderTest

COUNTED_BOOKINGS = 20
CACHED_TTL = 300
RUN_OVERHEAD = 6  # seconds locust needs to start and write its files


class Progress:
    """``[n/N] name: elapsed, about … left`` before each load run."""

    def __init__(self, runs):
        self.runs = runs  # [(name, seconds)]
        self.started = time.monotonic()
        self.index = 0

    def next(self, name):
        self.index += 1
        elapsed = time.monotonic() - self.started
        left = sum(seconds for _, seconds in self.runs[self.index - 1:])
        system.say(f"[{self.index}/{len(self.runs)}] {name}: {_clock(elapsed)} elapsed, "
                   f"about {_clock(left)} of load left")


def _clock(seconds):
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def plan(wanted, scale, floor):
    """The load runs in order: baseline rounds between gateway scenarios; the floor's baselines first and last."""
    steps = []
    first_round = ROUND + (FLOOR_BASELINES if floor else ())
    steps.append(("round", first_round))
    for scenario in GATEWAY_SCENARIOS:
        if scenario.name not in wanted or scenario.name == "search_cached":
            continue
        steps.append(("scenario", scenario.name))
        steps.append(("round", ROUND))
    if scale:
        steps.append(("grow", None))
        for name in SCALED:
            if name in wanted:
                steps.append(("scaled", name))
                steps.append(("round", ROUND))
    if "search_cached" in wanted:
        steps.append(("scenario", "search_cached"))
        steps.append(("round", ROUND))
    if floor:
        steps.append(("round", FLOOR_BASELINES))
    # only baselines asked for: one round of them
    if not wanted & {s.name for s in GATEWAY_SCENARIOS}:
        steps = [("round", tuple(name for name in (*ROUND, *FLOOR_BASELINES) if name in wanted))]
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument("--seconds", type=int, default=20, help="counted load per scenario (default 20)")
    parser.add_argument("--baseline-seconds", type=int, default=10, help="counted load per baseline run (default 10)")
    parser.add_argument("--warmup", type=int, default=5, help="uncounted load before each run (default 5)")
    parser.add_argument("--scale-flights", type=int, default=1_000_000)
    parser.add_argument("--scale-tickets", type=int, default=1_000_000)
    parser.add_argument("--scale-budget", type=int, default=600, help="seconds the bulk load may take (default 600)")
    parser.add_argument("--no-scale", action="store_true", help="skip the runs on grown stores")
    parser.add_argument("--sizes", default="", help="also time track's search query alone at these flight "
                                                    "table sizes, e.g. 10000,100000,1000000 (bench/scale.py)")
    parser.add_argument("--keep", action="store_true", help="leave the bench system running at the end")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md and README.md")
    args = parser.parse_args(argv)
    known = {s.name for s in GATEWAY_SCENARIOS} | set(BASELINES)
    wanted = set(args.only.split(",")) if args.only else known
    if wanted - known:
        sys.exit(f"unknown scenarios: {', '.join(sorted(wanted - known))}")
    gateway_wanted = bool(wanted & {s.name for s in GATEWAY_SCENARIOS})
    scale = gateway_wanted and not args.no_scale and bool(wanted & set(SCALED))
    steps = plan(wanted, scale, floor=gateway_wanted)

    for stale in report.RESULTS_DIR.glob("locust-*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    code = provenance.code()
    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code,
        "machine": report.machine(locust_version()),
        "settings": {"seconds": args.seconds, "baseline_seconds": args.baseline_seconds, "warmup": args.warmup},
        "baselines": {},
        "scenarios": {},
        "notes": [],
    }
    if code["dirty"]:
        system.say(f"WARNING: the working tree has uncommitted changes: {', '.join(code['dirty_files'][:5])}")
    loads = []
    for kind, what in steps:
        if kind == "round":
            loads += [(name, args.baseline_seconds + args.warmup + RUN_OVERHEAD) for name in what]
        elif kind in ("scenario", "scaled"):
            loads.append((what, args.seconds + args.warmup + RUN_OVERHEAD))
    progress = Progress(loads)
    hosts = {"baseline": system.baseline_url(), "gateway": system.gateway_url()}

    def load(scenario, seconds, name=None, data_path=None, out_path=None):
        progress.next(name or scenario.name)
        tested = baselines.pids if scenario.target == "baseline" else system.service_pids()
        window = cpu.Window(tested, system.pid_of("mongo"))
        counting = threading.Timer(args.warmup, window.start)
        counting.start()
        client = cpu.ClientCpu()
        stats = run_locust(scenario.user_class, hosts[scenario.target], scenario.users, seconds,
                           data_path=data_path, out_path=out_path, warmup=args.warmup)
        window.stop()
        counting.cancel()
        entry = summarise(scenario, stats, seconds)
        spent = window.seconds()
        if spent:
            spent["client"] = client.seconds(seconds / (seconds + args.warmup))
            entry["cpu_seconds"] = spent
            done = entry.get("completed", entry["requests"])
            if done:
                entry["cpu_ms_per_request"] = {group: round(1000 * value / done, 3) for group, value in spent.items()}
        return entry

    with system.Baselines() as baselines, SystemUnderTest(gateway_wanted, args.keep, code) as sut:
        results["system"] = sut.describe()
        for kind, what in steps:
            if kind == "round":
                for name in what:
                    entry = load(BASELINES[name], args.baseline_seconds)
                    entry["at"] = round(time.monotonic() - progress.started)
                    results["baselines"].setdefault(name, []).append(entry)
                    system.say(f"{name}: {entry['rps']} req/s, p50 {entry['p50_ms']} ms")
                continue
            if kind == "grow":
                results["scale_data"] = bulk.grow(args.scale_flights, args.scale_tickets, args.scale_budget)
                sut.grown(results["scale_data"])
                continue
            scenario = next(s for s in GATEWAY_SCENARIOS if s.name == what)
            name = f"{what}@scale" if kind == "scaled" else what
            if what in NEEDS_SEATS and not sut.data.get("booking_seats"):
                results["notes"].append(f"{name}: skipped, no seat inventory (ticket service)")
                continue
            if what == "search_cached":
                sut.cache_on(CACHED_TTL)
            out_path = system.RUN_DIR / f"{name}-outcome.json"
            entry = load(scenario, args.seconds, name=name, data_path=sut.data_file(what), out_path=out_path)
            if kind == "scaled":
                entry["scale_of"] = what
            sut.record_outcome(out_path)
            if what == "contention":
                entry["oversold_check"] = check_contention(sut.data["contention"], out_path)
            results["scenarios"][name] = entry
            system.say(f"{name}: {entry['rps']} /s, p50 {entry['p50_ms']} ms, p99 {entry['p99_ms']} ms, "
                       f"{entry['failures']} failures, {len(entry['exceptions'])} exception kinds")
            if what == "booking" and kind == "scenario":
                seats = sut.spare_seats(COUNTED_BOOKINGS)
                results["per_booking"] = messages.per_booking(system.VHOST, system.gateway_url(), seats)
        results["system"]["settings_at_end"] = sut.describe()["settings"]
    finish(results, args)


def finish(results, args):
    for name, entries in results["baselines"].items():
        results["baselines"][name] = {
            "rps": round(statistics.median(e["rps"] for e in entries), 1),
            "p50_ms": statistics.median(e["p50_ms"] or 0 for e in entries),
            "repetitions": entries,
        }
    for entry in results["scenarios"].values():
        judge(entry, results["baselines"])
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if sizes:
        from bench import scale as query_scale

        results["scale"] = query_scale.run(sizes)
    path = report.write_json(results)
    results["json"] = str(path.relative_to(report.ROOT))
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if not args.no_doc:
        report.update_docs(results)
    system.say(f"results: {path}")


if __name__ == "__main__":
    main()
