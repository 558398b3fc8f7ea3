"""The foundation, end to end: health, the error model, correlation ids, docs."""
import logging

from openapi_spec_validator import validate

from common.registry import ALL_NAMES, DOMAIN_SERVICES
from tests.helpers import assert_error

SERVICES = set(DOMAIN_SERVICES)


def test_health_is_green_with_every_service(system):
    response = system.http.get("/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == SERVICES
    for state in body["services"].values():
        assert state["status"] == "up"
        assert state["latency_ms"] >= 0


def test_health_is_503_naming_the_service_that_is_missing(make_system, caplog):
    with make_system(services=[name for name in ALL_NAMES if name != "payment"], HEALTH_TIMEOUT=1) as s:
        with caplog.at_level(logging.WARNING, logger="gateway.health"):
            response = s.http.get("/health")
        assert response.status_code == 503
        body = response.json()
        assert body["services"]["payment"]["status"] == "down"
        # up or down and latency only: the reason goes to the log, never to the caller
        assert body["services"]["payment"] == {"status": "down"}
        assert any("payment is down" in record.getMessage() for record in caplog.records)
        assert all(body["services"][name]["status"] == "up" for name in SERVICES - {"payment"})


def test_health_is_503_when_a_service_stops_answering(make_system):
    with make_system(HEALTH_TIMEOUT=1) as s:
        assert s.http.get("/health").status_code == 200
        s.container("ticket").stop()
        response = s.http.get("/health")
        assert response.status_code == 503
        assert response.json()["services"]["ticket"] == {"status": "down"}
        assert response.elapsed.total_seconds() < 5


def test_unknown_route_is_json_404(system):
    assert_error(system.http.get("/no/such/thing"), 404, "NOT_FOUND")


def test_wrong_method_is_json_405(system):
    response = system.http.delete("/health")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_request_id_is_echoed_or_made(system):
    given = system.http.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = system.http.get("/health")
    assert len(made.headers["X-Request-ID"]) == 32
    missing = system.http.get("/nope", headers={"X-Request-ID": "trace-404"})
    assert missing.headers["X-Request-ID"] == "trace-404"


def test_openapi_document_is_valid_and_lists_health(system):
    response = system.http.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/health" in spec["paths"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["details", "error", "message"] or set(
        spec["components"]["schemas"]["Error"]["required"]) == {"error", "message", "details"}


def test_docs_render_offline(system):
    page = system.http.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    bundle = system.http.get("/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000
    assert_error(system.http.get("/docs/static/..%2Fconftest.py"), 404)
