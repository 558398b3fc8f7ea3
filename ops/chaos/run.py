"""``python -m ops.chaos [--plan quick|full] ...``: start a system, load it, inject the
plan's faults one after another, check the invariants after each and at the end,
print the figures and write them to a JSON file. Exit status 1 if any invariant broke."""
import argparse
import dataclasses
import json
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from common.config import ROOT  # noqa: E402
from ops.chaos.checks import Violation, run_checks, take_snapshot  # noqa: E402
from ops.chaos.faults import PLANS  # noqa: E402
from ops.chaos.load import Load  # noqa: E402
from ops.chaos.system import ChaosSystem, say, wait_for  # noqa: E402

RESULTS_DIR = ROOT / ".run-chaos" / "results"
PRESETS = {
    "quick": {"buyers": 3, "flights": 2, "warmup": 8, "gap": 5},
    "full": {"buyers": 6, "flights": 4, "warmup": 20, "gap": 15},
}


@dataclasses.dataclass
class Options:
    plan: str = "quick"
    replicas: int = 1  # nameko run processes of each domain service (REPLICAS)
    buyers: int = 3
    flights: int = 2
    warmup: float = 8  # seconds of load before the first fault
    gap: float = 5  # seconds of load between a fault's checks and the next fault
    health_deadline: float = 90  # /health must be green again within this, after the repair
    settle_deadline: float = 120  # every paid order TICKETED or REFUNDED within this, once the load pauses
    results_dir: Path = RESULTS_DIR


def options_for(plan, **overrides):
    return Options(plan=plan, **{**PRESETS[plan], **overrides})


def status_delta(before, after):
    return {str(status): after[status] - before.get(status, 0)
            for status in sorted(after) if after[status] - before.get(status, 0)}


def check_round(system, load, options, seen, label):
    """Pause the buyers, wait for the money to settle, run every check; the round's record."""
    paused = load.pause()
    started = time.monotonic()
    snapshot, settle = take_snapshot(system, load, options.settle_deadline)
    violations = run_checks(snapshot, seen)
    load.resume()
    for violation in violations:
        say(f"VIOLATION after {label}: [{violation.check}] {violation.what} {violation.ids}")
    return {
        "buyers_paused": paused, "orders_seen": len(snapshot.orders),
        "settled_after_s": settle, "check_s": round(time.monotonic() - started, 1),
        "violations": [dataclasses.asdict(v) for v in violations],
    }


def inject(system, load, fault, options, seen):
    say(f"fault: {fault.label}")
    before = load.recorder.status_totals()
    started = time.monotonic()
    record = {"kind": fault.kind, "label": fault.label, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    record["injected"] = fault.inject(system)
    load.stop_event.wait(fault.outage_seconds)
    repair_started = time.monotonic()
    fault.repair(system)
    record["repair_s"] = round(time.monotonic() - repair_started, 1)
    green = wait_for(system.healthy, options.health_deadline, 0.25)
    record["health_green_after_repair_s"] = round(time.monotonic() - repair_started, 1) if green else None
    record["recovered_after_s"] = round(time.monotonic() - started, 1) if green else None
    record["answers_during_fault"] = status_delta(before, load.recorder.status_totals())
    round_ = check_round(system, load, options, seen, fault.label)
    if not green:
        health = system.gateway_health()
        round_["violations"].append(dataclasses.asdict(Violation(
            "health", f"/health not green {options.health_deadline:.0f}s after the repair",
            {"last_answer": health.text[:300] if health is not None else "no answer"})))
    record.update(round_)
    say(f"  recovered in {record['recovered_after_s']}s, settled in {record['settled_after_s']}s, "
        f"{len(record['violations'])} new violation(s); answers: {record['answers_during_fault']}")
    return record


def run(options):
    result = {"plan": options.plan, "replicas": options.replicas,
              "options": {k: str(v) for k, v in dataclasses.asdict(options).items()},
              "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "faults": [], "errors": []}
    seen = set()
    with ChaosSystem(replicas=options.replicas) as system:
        result["run_id"] = system.run_id
        say(f"system {system.run_id} up: gateway {system.url}, logs in {system.run_dir}")
        load = Load(system, options.buyers, options.flights)
        load.start()
        try:
            load.stop_event.wait(options.warmup)
            for fault in PLANS[options.plan](options.replicas):
                try:
                    result["faults"].append(inject(system, load, fault, options, seen))
                except Exception as exc:  # the run goes on to the end checks and the teardown
                    result["errors"].append(f"{fault.label}: {type(exc).__name__}: {exc}")
                    say(f"  could not complete {fault.label}: {exc}")
                    load.resume()
                load.stop_event.wait(options.gap)
        finally:
            load.stop()
        final = check_round(system, load, options, seen, "the end")
        result["final"] = final
        result["bookings"] = load.tally()
        result["bookings"]["orders_seen"] = final["orders_seen"]
        result["flights"] = len(load.fleet.flight_ids)
        result["answers"] = load.recorder.by_route()
        totals = load.recorder.status_totals()
        result["answer_totals"] = {str(k): v for k, v in sorted(totals.items())}
        result["buyer_errors"] = [b.error for b in load.buyers if b.error]
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    violations = [v for f in result["faults"] for v in f["violations"]] + final["violations"]
    result["violations"] = violations
    result["invariants_held"] = not violations and not result["errors"]
    return result


def summary(result):
    lines = [f"chaos run {result.get('run_id')} ({result['plan']}, replicas={result.get('replicas', 1)}): "
             + ("every invariant held" if result["invariants_held"] else f"{len(result['violations'])} violation(s)")]
    b = result.get("bookings", {})
    lines.append(f"bookings: {b.get('tried', 0)} tried, {b.get('placed', 0)} placed, {b.get('paid', 0)} paid, "
                 f"{b.get('cancelled_before_ticketing', 0)} cancelled before and "
                 f"{b.get('cancelled_after_ticketing', 0)} after ticketing, {b.get('orders_seen', 0)} orders checked")
    totals = result.get("answer_totals", {})
    lines.append(f"answers: {sum(totals.values())} requests, 503: {totals.get('503', 0)}, "
                 f"409: {totals.get('409', 0)}, 402: {totals.get('402', 0)}, "
                 f"other 5xx: {sum(v for k, v in totals.items() if k.startswith('5') and k != '503')}, "
                 f"unanswered: {totals.get('0', 0)}")
    for fault in result["faults"]:
        lines.append(f"  {fault['label']:45} recovered {fault['recovered_after_s']}s "
                     f"(repair {fault['repair_s']}s), settled {fault['settled_after_s']}s, "
                     f"violations {len(fault['violations'])}")
    for violation in result["violations"]:
        lines.append(f"  VIOLATION [{violation['check']}] {violation['what']} {violation['ids']}")
    for error in result["errors"] + result.get("buyer_errors", []):
        lines.append(f"  ERROR {error}")
    return "\n".join(lines)


def write(result, directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result['started_at'].replace(':', '')}-{result.get('run_id', 'none')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ops.chaos", description=__doc__)
    parser.add_argument("--plan", choices=sorted(PLANS), default="full")
    for name in ("buyers", "flights", "replicas"):
        parser.add_argument(f"--{name}", type=int)
    for name in ("warmup", "gap", "health-deadline", "settle-deadline"):
        parser.add_argument(f"--{name}", type=float)
    parser.add_argument("--results-dir", type=Path)
    args = vars(parser.parse_args(argv))
    if args["replicas"] is not None and args["replicas"] < 1:
        parser.error("--replicas: 1 or more nameko run processes of each service")
    plan = args.pop("plan")
    options = options_for(plan, **{k: v for k, v in args.items() if v is not None})
    try:
        result = run(options)
    except Exception as exc:  # the system never came up, or the end checks could not run: said, not hidden
        result = {"plan": plan, "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "faults": [],
                  "errors": [f"{type(exc).__name__}: {exc}"], "violations": [], "invariants_held": False}
    path = write(result, options.results_dir)
    print(summary(result), flush=True)
    print(f"figures written to {path}", flush=True)
    return 0 if result["invariants_held"] else 1
