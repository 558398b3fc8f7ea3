"""The pure rules of tracking and discovery: local-day windows, delays, the fare
calendar's days, what a status shows, the search text."""
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from common.errors import InvalidInput
from track import domain, schemas
from track.models import Flight
from track.store import Place

PLACES = {"CGK": Place("Asia/Jakarta", "Jakarta", "Soekarno-Hatta", "ID"),
          "SYD": Place("Australia/Sydney", "Sydney", "Kingsford Smith", "AU"),
          "HNL": Place("Pacific/Honolulu", "Honolulu", "Daniel K. Inouye", "US")}


def test_local_days_cover_from_the_first_midnight_to_the_midnight_after_the_last():
    starts, ends = domain.local_days_utc_range(date(2026, 12, 1), date(2026, 12, 3), "Asia/Jakarta")
    assert starts == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert ends == datetime(2026, 12, 3, 17, tzinfo=UTC)


def test_a_local_day_across_a_daylight_saving_change_is_23_hours_long():
    starts, ends = domain.local_days_utc_range(date(2026, 10, 4), date(2026, 10, 4), "Australia/Sydney")
    assert ends - starts == timedelta(hours=23)


def test_the_widest_utc_range_holds_the_local_day_everywhere():
    starts, ends = domain.any_local_day_utc_range(date(2026, 12, 1))
    for tz in ("Pacific/Kiritimati", "Etc/GMT+12", "Asia/Jakarta"):  # UTC+14, UTC-12
        day_starts, day_ends = domain.local_day_utc_range(date(2026, 12, 1), tz)
        assert starts <= day_starts and day_ends <= ends


def test_local_date_and_local_moment_go_by_the_place():
    moment = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert domain.local_date(moment, "Asia/Jakarta") == date(2026, 12, 2)
    assert domain.local_date(moment, "Pacific/Honolulu") == date(2026, 12, 1)
    assert domain.local_moment(moment, "Asia/Jakarta").isoformat() == "2026-12-02T00:30:00+07:00"


@pytest.mark.parametrize("scheduled_minutes, estimated_minutes, delay", [
    (0, 0, 0), (0, 45, 45), (0, 59, 59), (0, -10, 0), (0, 24 * 60 + 5, 24 * 60 + 5)])
def test_delay_is_whole_minutes_late_never_negative(scheduled_minutes, estimated_minutes, delay):
    base = datetime(2026, 12, 1, tzinfo=UTC)
    assert domain.delay_minutes(base + timedelta(minutes=scheduled_minutes),
                                base + timedelta(minutes=estimated_minutes, seconds=30)) == delay


def test_the_calendar_window_runs_forwards_and_is_bounded():
    domain.check_calendar_window(date(2026, 12, 1), date(2026, 12, 1))
    domain.check_calendar_window(date(2026, 12, 1), date(2026, 12, 1) + timedelta(days=61))
    with pytest.raises(InvalidInput) as backwards:
        domain.check_calendar_window(date(2026, 12, 2), date(2026, 12, 1))
    assert "to" in backwards.value.details["fields"]
    with pytest.raises(InvalidInput) as too_long:
        domain.check_calendar_window(date(2026, 12, 1), date(2026, 12, 1) + timedelta(days=62))
    assert too_long.value.code == "WINDOW_TOO_LONG"


def test_calendar_days_keep_the_lowest_fare_of_each_day_and_show_empty_days():
    first = date(2026, 12, 1)
    offers = [
        (first, {"class": "economy", "amount": 900, "currency": "IDR"}),
        (first, {"class": "economy", "amount": 700, "currency": "IDR"}),
        (first + timedelta(days=2), {"class": "business", "amount": 3000, "currency": "IDR"}),
    ]
    days = domain.calendar_days(first, first + timedelta(days=2), offers)
    assert [d["date"] for d in days] == [first, first + timedelta(days=1), first + timedelta(days=2)]
    assert days[0]["lowest_fare"]["amount"] == 700 and days[0]["bookable_flights"] == 2
    assert days[1] == {"date": first + timedelta(days=1), "lowest_fare": None, "bookable_flights": 0}
    assert days[2]["lowest_fare"]["class"] == "business"


def test_search_text_is_trimmed_single_spaced_lower_case():
    assert domain.search_text("  New   YORK ") == "new york"
    assert domain.search_text(None) == ""


def overnight_flight(delay=timedelta(0)):
    """CGK 21:00 local (14:00Z) -> SYD 07:30 local the next day (20:30Z), optionally delayed."""
    scheduled_departure = datetime(2026, 12, 1, 14, tzinfo=UTC)
    scheduled_arrival = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    return Flight(id=uuid.uuid4(), flight_number="GA712", airplane_id="a1", origin="CGK", destination="SYD",
                  scheduled_departure_at=scheduled_departure, scheduled_arrival_at=scheduled_arrival,
                  departure_at=scheduled_departure + delay, arrival_at=scheduled_arrival + delay,
                  status="delayed" if delay else "scheduled", fares={"economy": 100}, currency="IDR",
                  seat_counts={"economy": 10})


def test_a_status_shows_both_ends_in_utc_and_local_time_with_the_delay():
    status = schemas.FlightStatusSchema().dump(schemas.flight_status(overnight_flight(timedelta(minutes=95)), PLACES))
    assert status["status"] == "delayed" and status["delay_minutes"] == 95
    departure, arrival = status["departure"], status["arrival"]
    assert departure["scheduled_at"] == "2026-12-01T14:00:00+00:00"
    assert departure["scheduled_local"] == "2026-12-01T21:00:00+07:00"
    assert departure["estimated_local"] == "2026-12-01T22:35:00+07:00"
    # Sydney is on daylight saving time (UTC+11) in December: the next local day
    assert arrival["scheduled_local"] == "2026-12-02T07:30:00+11:00"
    assert arrival["estimated_at"] == "2026-12-01T22:05:00+00:00"
    assert (arrival["airport"], arrival["city"], arrival["delay_minutes"]) == ("SYD", "Sydney", 95)


def test_an_on_time_flight_estimates_its_scheduled_times():
    status = schemas.FlightStatusSchema().dump(schemas.flight_status(overnight_flight(), PLACES))
    assert status["delay_minutes"] == 0
    assert status["departure"]["estimated_at"] == status["departure"]["scheduled_at"]
