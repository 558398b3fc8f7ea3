"""``make bench`` = ``python -m bench.run``: one command, every figure.

1. starts the baseline services and the whole system (``python -m ops up`` on
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
from datetime import UTC, datetime

import requests

from bench import fixtures, messages, report, system
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
    Scenario("seat_map", "SeatMapUser", "gateway", baseline="baseline_one_hop"),
    Scenario("airport_search", "AirportSearchUser", "gateway", baseline="baseline_one_hop"),
    Scenario("booking", "BookingUserPlenty", "gateway", users=40, row=BOOKING_ROW),
    Scenario("contention", "ContentionUser", "gateway", users=60, row=BOOKING_ROW),
    # last: it restarts the gateway with a long cache TTL
    Scenario("search_cached", "SearchUser", "gateway", baseline="baseline_bare", min_ratio=0.7),
]
GATEWAY_SCENARIOS = {s.name for s in SCENARIOS if s.target == "gateway"}
NEEDS_SEATS = {"seat_map", "booking", "contention"}
COUNTED_BOOKINGS = 20
CACHED_TTL = 300


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


def judge_booking(entry, oversold=None):
    """The booking targets: ≥ 100 bookings/s, p99 < 1 s, 0 errors (and 0 oversold)."""
    checks = [entry["rps"] >= 100, (entry["p99_ms"] or 1e9) < 1000, entry["failures"] == 0]
    entry["target"] = "≥ 100/s, p99 < 1 s, 0 errors"
    if oversold is not None:
        entry["target"] = "0 errors, 0 oversold"
        checks = [entry["failures"] == 0, oversold == 0]
    entry["met"] = all(checks)


def check_contention(contention, out_path):
    """Every seat sold at most once: what the users were ticketed vs the seat map."""
    outcome = json.loads(out_path.read_text()) if out_path.exists() else {"sold": [], "lost_races": 0}
    ticketed = [sale["seat"] for sale in outcome["sold"]]
    seats = requests.get(f"{system.gateway_url()}/flights/{contention['flight_id']}/seats", timeout=30).json()["seats"]
    pool = set(contention["seats"])
    sold_on_map = sorted(s["seat"] for s in seats if s["seat"] in pool and s["status"] == "sold")
    twice = sorted({seat for seat in ticketed if ticketed.count(seat) > 1})
    result = {
        "seat_pool": len(pool),
        "orders_ticketed": len(ticketed),
        "lost_races_409": outcome["lost_races"],
        "sold_on_seat_map": len(sold_on_map),
        "seats_ticketed_twice": twice,
        "oversold_seats": len(twice) + max(0, len(ticketed) - len(pool)),
        "ticketed_matches_seat_map": sorted(set(ticketed)) == sold_on_map,
    }
    system.say(f"contention: {result['orders_ticketed']} orders ticketed for {len(pool)} seats, "
               f"{result['lost_races_409']} lost races, {result['oversold_seats']} oversold, "
               f"seat map agrees: {result['ticketed_matches_seat_map']}")
    return result


class SystemUnderTest:
    """The bench system: started here (and stopped at the end) or reused if already up."""

    def __init__(self, needed, keep):
        self.needed = needed
        self.keep = keep
        self.reused = False
        self.data = {}
        self.data_path = system.RUN_DIR / "bench-data.json"

    def __enter__(self):
        if not self.needed:
            return self
        if system.gateway_healthy():
            self.reused = True
            system.say(f"reusing the bench system already up at {system.gateway_url()}")
        else:
            system.down()  # whatever an interrupted bench run left behind
            system.drop_stores()
            system.up(SEARCH_CACHE_TTL=0)
        try:
            self.data = fixtures.prepare()
        except BaseException:
            self.__exit__()
            raise
        self.data_path.write_text(json.dumps(self.data))
        return self

    def spare_seats(self, count):
        """Seats of the booking flights the booking run did not reach."""
        outcome = system.RUN_DIR / "booking-outcome.json"
        sold = set()
        if outcome.exists():
            sold = {(s["flight_id"], s["seat"]) for s in json.loads(outcome.read_text())["sold"]}
        free = [seat for seat in self.data["booking_seats"] if tuple(seat) not in sold]
        return free[-count:]

    def cache_on(self, ttl):
        """Restart the gateway with a search cache TTL and warm every route once."""
        system.restart_service("gateway", SEARCH_CACHE_TTL=ttl)
        for origin, destination, date in self.data["routes"]:
            requests.get(f"{system.gateway_url()}/flights", timeout=30, params={
                "origin": origin, "destination": destination, "date": date, "passengers": 1})

    def __exit__(self, *exc):
        if self.needed and not self.reused and not self.keep:
            system.down()


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
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(locust_version()),
        "settings": {"seconds": args.seconds},
        "scenarios": {},
        "notes": [],
    }
    done = results["scenarios"]
    hosts = {"baseline": system.baseline_url(), "gateway": system.gateway_url()}
    with system.Baselines(), SystemUnderTest(needed=bool(wanted & GATEWAY_SCENARIOS), keep=args.keep) as sut:
        for scenario in SCENARIOS:
            if scenario.name not in wanted:
                continue
            if scenario.name in NEEDS_SEATS and sut.needed and not sut.data.get("booking_seats"):
                results["notes"].append(f"{scenario.name}: skipped, no seat inventory (ticket service)")
                continue
            if scenario.name == "search_cached":
                sut.cache_on(CACHED_TTL)
            started = time.monotonic()
            out_path = system.RUN_DIR / f"{scenario.name}-outcome.json"
            stats = run_locust(scenario.user_class, hosts[scenario.target], scenario.users, args.seconds,
                               data_path=sut.data_path, out_path=out_path)
            done[scenario.name] = summarise(scenario, stats, args.seconds, done)
            entry = done[scenario.name]
            system.say(f"{scenario.name}: {entry['rps']} req/s, p50 {entry['p50_ms']} ms, p99 {entry['p99_ms']} ms, "
                       f"{entry['failures']} errors ({time.monotonic() - started:.0f} s)")
            if scenario.name == "booking":
                judge_booking(entry)
                results["per_booking"] = messages.per_booking(system.VHOST, system.gateway_url(),
                                                              sut.spare_seats(COUNTED_BOOKINGS))
            if scenario.name == "contention":
                entry["oversold_check"] = check_contention(sut.data["contention"], out_path)
                judge_booking(entry, oversold=entry["oversold_check"]["oversold_seats"])
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
