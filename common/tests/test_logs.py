import logging
import sys

from common.logs import QuietExpectedErrors


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
