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


def test_floor_prices_each_unit_from_the_baselines():
    results = {
        "baselines": {"baseline_bare": {"rps": 1000.0}, "baseline_one_hop": {"rps": 250.0},
                      "baseline_event": {"rps": 500.0}, "baseline_sql": {"rps": 800.0},
                      "baseline_mongo": {"rps": 500.0}},
        "scenarios": {"booking": {"rps": 10.0, "polls_per_flow": 2.0, "ratio": 0.04}},
        "per_booking": {"rpc_calls_per_booking_without_polls": 4.0, "events_per_booking": 4.0,
                        "event_deliveries_per_booking": 5.0},
    }
    result = floor.booking_floor(results)
    assert result["costs_ms"] == {"http_request": 1.0, "rpc_hop": 3.0, "event": 1.0, "sql_round_trip": 0.25,
                                  "mongo_round_trip": 1.0}
    sql, mongo = floor.store_round_trips(2.0)
    expected = 4 * 1.0 + 6 * 3.0 + 5 * 1.0 + sql * 0.25 + mongo * 1.0
    assert result["total_ms"] == round(expected, 2)
    assert result["floor_per_s"] == round(1000 / expected, 1)
    assert result["floor_ratio_to_one_hop"] == round(1000 / expected / 250.0, 3)
    assert result["measured_over_floor"] == round(1000 / expected / 250.0 / 0.04, 2)


def test_each_unit_is_priced_against_the_bare_run_of_its_own_round():
    baselines = {
        "baseline_bare": {"rps": 500.0, "repetitions": [{"rps": 1000.0, "at": 10}, {"rps": 250.0, "at": 500}]},
        "baseline_one_hop": {"rps": 200.0, "repetitions": [{"rps": 500.0, "at": 20}, {"rps": 125.0, "at": 510}]},
    }
    costs = floor.unit_costs(baselines)
    assert costs["rpc_hop"] == statistics.median([1.0, 4.0])
    assert costs["http_request"] == statistics.median([1.0, 4.0])


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
