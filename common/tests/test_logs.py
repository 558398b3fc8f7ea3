import json
import logging
import logging.config
import sys

import pytest

from common import tracing
from common.config import load_config
from common.logs import QuietExpectedErrors, RequestIdFilter


def _record(name, msg):
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, ("w", "e"), exc_info)


def test_expected_errors_keep_their_line_but_lose_the_traceback():
    record = _record("nameko.containers", "(expected) error handling worker %s: %s")
    assert QuietExpectedErrors().filter(record) is True
    assert record.exc_info is None
    assert "error handling worker" in record.getMessage()


def test_real_errors_keep_their_traceback():
    unexpected = _record("nameko.containers", "error handling worker %s: %s")
    other_logger = _record("order.saga", "(expected) but not from nameko %s %s")
    QuietExpectedErrors().filter(unexpected)
    QuietExpectedErrors().filter(other_logger)
    assert unexpected.exc_info is not None
    assert other_logger.exc_info is not None


def _formatter(**environ):
    config = load_config(environ=environ)["LOGGING"]
    formatter_config = dict(config["formatters"]["default"])
    factory = logging.config.DictConfigurator({}).resolve(formatter_config.pop("()"))
    return factory(**formatter_config)


def test_log_format_json_gives_one_object_a_line_with_request_and_trace_ids():
    formatter = _formatter(LOG_FORMAT="json")
    tracing.configure_tracing()
    with tracing.tracer().start_as_current_span("a request") as span:
        record = logging.LogRecord("order.saga", logging.INFO, __file__, 1, "placed %s", ("o-1",), None)
        RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "placed o-1" and line["logger"] == "order.saga" and line["level"] == "INFO"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["request_id"] == "-"  # outside a worker; inside one, the worker's id


def test_log_format_text_keeps_the_request_id_field_and_refuses_unknown_formats():
    formatter = _formatter(LOG_FORMAT="text")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi", (), None)
    record.request_id, record.trace_id = "r-1", "-"
    assert "[req=r-1] hi" in formatter.format(record)
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        _formatter(LOG_FORMAT="xml")
