"""The scenarios, their targets, and how one locust run becomes an entry of the result.

A booking counts only when it reached TICKETED: a booking scenario's rate is its
completed flows per second (failed flows are listed with their reasons, not
counted). Ratios are medians over every repetition of the baseline they compare to.
"""
import json
import statistics
from dataclasses import dataclass

import requests

from bench import system

BOOKING_ROW = "booking (place, pay, until TICKETED)"


@dataclass(frozen=True)
class Scenario:
    name: str
    user_class: str
    target: str  # "baseline" or "gateway"
    users: int = 20
    baseline: str = None
    min_ratio: float = None
    row: str = "Aggregated"
    max_p99_ms: float = None


BASELINES = {
    scenario.name: scenario for scenario in (
        Scenario("baseline_bare", "BareBaselineUser", "baseline"),
        Scenario("baseline_one_hop", "OneHopBaselineUser", "baseline"),
        Scenario("baseline_event", "EventBaselineUser", "baseline"),
        Scenario("baseline_sql", "SqlBaselineUser", "baseline"),
        Scenario("baseline_mongo", "MongoBaselineUser", "baseline"),
    )
}
ROUND = ("baseline_bare", "baseline_one_hop")
FLOOR_BASELINES = ("baseline_event", "baseline_sql", "baseline_mongo")
GATEWAY_SCENARIOS = (
    Scenario("search_uncached", "SearchUser", "gateway", baseline="baseline_one_hop", min_ratio=0.9),
    Scenario("seat_map", "SeatMapUser", "gateway", baseline="baseline_one_hop"),
    Scenario("airport_search", "AirportSearchUser", "gateway", baseline="baseline_one_hop"),
    Scenario("booking", "BookingUserPlenty", "gateway", users=40, row=BOOKING_ROW, baseline="baseline_one_hop",
             min_ratio=0.24, max_p99_ms=1000),
    Scenario("contention", "ContentionUser", "gateway", users=60, row=BOOKING_ROW),
    # last: it restarts the gateway with a long cache TTL
    Scenario("search_cached", "SearchUser", "gateway", baseline="baseline_bare", min_ratio=0.95),
)
BY_NAME = {s.name: s for s in (*BASELINES.values(), *GATEWAY_SCENARIOS)}
SCALED = ("search_uncached", "booking")  # run again once the stores hold 1M flights and tickets
NEEDS_SEATS = {"seat_map", "booking", "contention"}


def summarise(scenario, stats, seconds):
    empty = {"requests": 0, "failures": 0, "rps": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    row = stats.get(scenario.row) or empty
    aggregated = stats.get("Aggregated") or empty
    entry = {
        "scenario": scenario.name, "users": scenario.users, "seconds": seconds,
        "requests": row["requests"], "failures": aggregated["failures"],
        "rps": row["rps"], "p50_ms": row["p50_ms"], "p95_ms": row["p95_ms"], "p99_ms": row["p99_ms"],
        "rows": {name: value for name, value in stats.items() if not name.startswith("_")},
        "failure_messages": stats.get("_failures", []),
        "exceptions": stats.get("_exceptions", []),
        "locust_log": stats.get("_log"),
    }
    if scenario.row == BOOKING_ROW:
        completed = row["requests"] - row["failures"]
        entry["flows_started"] = row["requests"]
        entry["flows_failed"] = row["failures"]
        entry["completed"] = completed
        # locust's rate counts every finished flow; only those that reached TICKETED count here
        entry["rps"] = round(row["rps"] * completed / row["requests"], 1) if row["requests"] else 0.0
        polls = stats.get("/orders/{id} (poll)", {}).get("requests", 0)
        entry["polls_per_flow"] = round(polls / row["requests"], 2) if row["requests"] else None
    return entry


def judge(entry, baselines):
    """Ratio (median over the baseline's repetitions) and whether the target is met."""
    scenario = BY_NAME[entry["scenario"]]
    reps = baselines.get(scenario.baseline, {}).get("repetitions", []) if scenario.baseline else []
    ratios = [entry["rps"] / rep["rps"] for rep in reps if rep["rps"]]
    if ratios:
        entry["baseline"] = scenario.baseline
        entry["ratio"] = round(statistics.median(ratios), 3)
        entry["ratio_range"] = [round(min(ratios), 3), round(max(ratios), 3)]
    errors = entry["failures"] + sum(e["count"] for e in entry["exceptions"])
    entry["errors"] = errors
    checks, words = [], []
    if scenario.min_ratio is not None and "ratio" in entry:
        checks.append(entry["ratio"] >= scenario.min_ratio)
        words.append(f"≥ {scenario.min_ratio}× {scenario.baseline.removeprefix('baseline_')}")
    if scenario.max_p99_ms is not None:
        checks.append((entry["p99_ms"] or 1e9) < scenario.max_p99_ms)
        words.append(f"p99 < {scenario.max_p99_ms / 1000:g} s")
    if scenario.row == BOOKING_ROW:
        checks.append(errors == 0)
        words.append("0 errors")
    if "oversold_check" in entry:
        checks.append(entry["oversold_check"]["oversold_seats"] == 0)
        words.append("0 oversold")
    if checks:
        entry["target"] = ", ".join(words)
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
