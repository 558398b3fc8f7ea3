"""The bench's figures in docs/benchmarks.md and README.md are the newest result file's,
and the rules that make a result trustworthy hold (no server needed: `make unit`)."""
import copy
import statistics

from bench import floor, provenance, report
from bench.scenarios import BOOKING_ROW, BY_NAME, judge, summarise
from common.config import load_config


def test_documents_quote_the_newest_result_file():
    path, results = report.newest()
    doc, readme = report.rendered(results, report.DOC.read_text(), report.README.read_text())
    assert report.DOC.read_text() == doc, f"docs/benchmarks.md differs from {path.name}: run python -m bench.report"
    assert report.README.read_text() == readme, f"README.md differs from {path.name}: run python -m bench.report"
    assert results["code"]["commit"] and "dirty" in results["code"]
    assert results["system"]["settings"]["max_workers"] and "search_cache_ttl" in results["system"]["settings"]
    assert "reused" in results["system"]


def _stats(started, failed, rps):
    row = {"requests": started, "failures": failed, "rps": rps, "p50_ms": 500.0, "p95_ms": 800.0, "p99_ms": 900.0}
    poll = dict(row, failures=0, requests=started * 2)
    return {BOOKING_ROW: row, "/orders/{id} (poll)": poll, "Aggregated": dict(row, failures=failed),
            "_failures": [{"name": BOOKING_ROW, "error": "BookingFailed('pay 503')", "count": failed}],
            "_exceptions": []}


def test_only_completed_bookings_count():
    entry = summarise(BY_NAME["booking"], _stats(started=100, failed=20, rps=10.0), 20)
    assert entry["completed"] == 80
    assert entry["rps"] == 8.0
    assert entry["polls_per_flow"] == 2.0
    assert entry["failure_messages"][0]["error"] == "BookingFailed('pay 503')"


def test_ratio_is_the_median_over_baseline_repetitions_and_errors_fail_the_target():
    baselines = {"baseline_one_hop": {"repetitions": [{"rps": 100.0}, {"rps": 40.0}, {"rps": 50.0}]}}
    entry = summarise(BY_NAME["booking"], _stats(started=60, failed=0, rps=12.0), 20)
    judge(entry, baselines)
    assert entry["ratio"] == 0.24 and entry["ratio_range"] == [0.12, 0.3]
    assert entry["met"]
    failing = summarise(BY_NAME["booking"], _stats(started=61, failed=1, rps=12.2), 20)
    judge(failing, baselines)
    assert failing["errors"] == 1 and not failing["met"]


def _cpu_reps(*per_request, first_at=0):
    return {"repetitions": [{"at": first_at + 100 * n, "cpu_ms_per_request": {"tested": ms, "client": 0.0,
                                                                              "broker": ms / 10}}
                            for n, ms in enumerate(per_request)]}


def test_floor_prices_each_unit_in_cpu_from_the_baselines():
    results = {
        "baselines": {"baseline_bare": _cpu_reps(1.0), "baseline_one_hop": _cpu_reps(4.0),
                      "baseline_event": _cpu_reps(2.0), "baseline_sql": _cpu_reps(1.25),
                      "baseline_mongo": _cpu_reps(2.0)},
        "scenarios": {"booking": {"rps": 10.0, "polls_per_flow": 2.0,
                                  "cpu_ms_per_request": {"tested": 80.0, "postgres": 10.0, "mongo": 5.0,
                                                         "client": 5.0, "broker": 30.0}}},
        "per_booking": {"rpc_calls_per_booking_without_polls": 4.0, "events_per_booking": 4.0,
                        "event_deliveries_per_booking": 5.0},
    }
    result = floor.booking_floor(results)
    assert result["costs_ms"] == {"http_request": 1.0, "rpc_hop": 3.0, "event": 1.0, "sql_round_trip": 0.25,
                                  "mongo_round_trip": 1.0}
    sql, mongo = floor.store_round_trips(2.0)
    expected = 4 * 1.0 + 6 * 3.0 + 5 * 1.0 + sql * 0.25 + mongo * 1.0
    assert result["floor_ms"] == round(expected, 2)
    assert result["measured_ms"] == 100.0  # the broker is apart
    assert result["floor_ratio_to_one_hop"] == round(4.0 / expected, 3)
    assert result["measured_over_floor"] == round(100.0 / expected, 2)
    assert result["broker_costs_ms"]["rpc_hop"] == 0.3


def test_each_unit_is_priced_against_the_bare_run_of_its_own_round():
    baselines = {"baseline_bare": _cpu_reps(1.0, 2.0), "baseline_one_hop": _cpu_reps(3.0, 6.0, first_at=10)}
    costs = floor.unit_costs(baselines)
    assert costs["rpc_hop"] == statistics.median([2.0, 4.0])
    assert costs["http_request"] == 1.5


def test_a_system_with_other_settings_or_code_has_another_fingerprint():
    code = {"commit": "a" * 40, "dirty": False, "dirty_files": [], "service_code_diff_sha": None}
    settings = provenance.settings(load_config(environ={"SEARCH_CACHE_TTL": "0"}), environ={})
    cached = provenance.settings(load_config(environ={"SEARCH_CACHE_TTL": "300"}), environ={})
    replicated = provenance.settings(load_config(environ={"SEARCH_CACHE_TTL": "0"}), environ={"REPLICAS": "2"})
    edited = dict(copy.deepcopy(code), service_code_diff_sha="0123456789ab")
    base = provenance.fingerprint(settings, code)
    assert base == provenance.fingerprint(copy.deepcopy(settings), code)
    assert len({base, provenance.fingerprint(cached, code), provenance.fingerprint(replicated, code),
                provenance.fingerprint(settings, edited)}) == 4
