"""Airplane rules beside the layouts: times, windows, statuses, page sizes."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from airplane import domain
from common.errors import Conflict, InvalidInput


def test_times_become_naive_utc():
    jakarta = timezone(timedelta(hours=7))
    assert domain.to_utc_naive(datetime(2026, 12, 1, 7, 0, tzinfo=jakarta)) == datetime(2026, 12, 1, 0, 0)
    assert domain.to_utc_naive("2026-12-01T07:00:00+07:00") == datetime(2026, 12, 1, 0, 0)


@pytest.mark.parametrize("value", ["2026-12-01T07:00:00", "tomorrow", datetime(2026, 12, 1)])
def test_times_need_an_offset(value):
    with pytest.raises(InvalidInput):
        domain.to_utc_naive(value)


def test_a_window_ends_after_it_starts():
    start = datetime(2026, 12, 1)
    domain.check_window(start, start + timedelta(minutes=1))
    for end in (start, start - timedelta(hours=1)):
        with pytest.raises(InvalidInput) as raised:
            domain.check_window(start, end)
        assert raised.value.details == {"fields": {"ends_at": ["Must be after starts_at."]}}


def test_only_a_retired_airplane_is_refused():
    domain.check_can_fly(SimpleNamespace(id="a1", registration="PK-GLA", status=domain.ACTIVE))
    with pytest.raises(Conflict) as raised:
        domain.check_can_fly(SimpleNamespace(id="a1", registration="PK-GLA", status=domain.RETIRED))
    assert raised.value.code == "AIRPLANE_RETIRED"
    assert raised.value.details == {"airplane_id": "a1"}


@pytest.mark.parametrize("limit, size", [
    (None, domain.DEFAULT_PAGE), ("", domain.DEFAULT_PAGE), (0, domain.DEFAULT_PAGE), ("7", 7), (-3, 1),
    (domain.MAX_PAGE + 1, domain.MAX_PAGE),
])
def test_page_size_is_bounded(limit, size):
    assert domain.page_size(limit) == size


def test_page_size_must_be_a_number():
    with pytest.raises(InvalidInput) as raised:
        domain.page_size("ten")
    assert raised.value.details == {"fields": {"limit": ["Not a valid integer."]}}


def test_statuses_are_the_two_constants():
    assert domain.STATUSES == ("active", "retired")
