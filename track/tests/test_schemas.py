"""Track answers are schema dumps; search's fast ``offer_item`` equals the dump."""
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from track import schemas
from track.models import Airport, Flight
from track.schemas import FlightOfferSchema, FlightPageSchema

JAKARTA = timezone(timedelta(hours=7))


def flight(departure_at=datetime(2026, 12, 1, 8, 0, tzinfo=JAKARTA), status="scheduled"):
    return Flight(id=uuid.uuid4(), flight_number="GA408", airplane_id="a1", origin="CGK", destination="DPS",
                  departure_at=departure_at, arrival_at=departure_at + timedelta(hours=1, minutes=50),
                  status=status, fares={"economy": 1250000, "business": 4500000}, currency="IDR",
                  seat_counts={"economy": 150, "business": 12})


def test_a_flight_answer_gives_times_in_utc():
    scheduled = flight()
    answer = schemas.dump_flight(scheduled)
    assert answer["id"] == str(scheduled.id)
    assert answer["departure_at"] == "2026-12-01T01:00:00+00:00"
    assert answer["arrival_at"] == "2026-12-01T02:50:00+00:00"
    assert {k: answer[k] for k in ("fares", "currency", "seat_counts", "status")} == {
        "fares": scheduled.fares, "currency": "IDR", "seat_counts": scheduled.seat_counts, "status": "scheduled"}


@pytest.mark.parametrize("departure_at", [
    datetime(2026, 12, 1, 8, 0, tzinfo=JAKARTA), datetime(2026, 12, 1, 23, 59, 59, 123456, tzinfo=UTC)])
@pytest.mark.parametrize("status", ["scheduled", "delayed", "boarding"])
def test_offer_item_is_the_schema_dump(departure_at, status):
    listed = flight(departure_at, status)
    seats, lowest = {"economy": 3, "business": 0}, {"class": "economy", "amount": 1250000}
    assert schemas.offer_item(listed, seats, lowest) == schemas.dump_offer(listed, seats, lowest)


def test_offer_item_has_the_schema_fields():
    item = schemas.offer_item(flight(), {"economy": 1}, {"class": "economy", "amount": 1})
    offer = FlightOfferSchema()
    assert set(item) == {field.data_key or name for name, field in offer.fields.items()}
    lowest = offer.fields["lowest_fare"].schema
    assert set(item["lowest_fare"]) == {field.data_key or name for name, field in lowest.fields.items()}
    assert set(schemas.search_page([item], None)) == set(FlightPageSchema().fields)


def test_an_airport_answer_is_its_row():
    airport = Airport(code="CGK", name="Soekarno-Hatta International Airport", city="Jakarta", country="ID",
                      tz="Asia/Jakarta")
    assert schemas.dump_airports([airport]) == [{"code": "CGK", "name": "Soekarno-Hatta International Airport",
                                                 "city": "Jakarta", "country": "ID", "tz": "Asia/Jakarta"}]
