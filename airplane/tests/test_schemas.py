"""Airplane answers are schema dumps of the stored rows."""
from datetime import datetime

from airplane import schemas
from airplane.models import Airplane, AirplaneModel, MaintenanceWindow
from airplane.schemas import AirplaneModelInput

CABINS = [
    {"class": "business", "rows": [1, 3], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"},
]


def a320():
    return AirplaneModel(id="m1", manufacturer="Airbus", model="A320-200", cabins=CABINS)


def test_a_model_answer_counts_its_seats():
    assert schemas.dump_model(a320()) == {
        "id": "m1", "manufacturer": "Airbus", "model": "A320-200", "cabins": CABINS,
        "seat_counts": {"business": 12, "economy": 150},
    }


def test_a_loaded_cabin_keeps_its_class_key():
    loaded = AirplaneModelInput().load({"manufacturer": " Airbus ", "model": "A320", "cabins": [
        {"class": "economy", "rows": [1, 2], "layout": " abc-def "}]})
    assert loaded["cabins"] == [{"class": "economy", "rows": [1, 2], "layout": "ABC-DEF"}]


def test_an_airplane_answer_nests_its_model():
    airplane = Airplane(id="a1", registration="PK-GLA", model_id="m1", status="active", model=a320())
    assert schemas.dump_airplane(airplane) == {
        "id": "a1", "registration": "PK-GLA", "model_id": "m1", "status": "active",
        "model": schemas.dump_model(a320()),
    }
    page = schemas.dump_airplane_page([airplane], "PK-GLA")
    assert page == {"items": [schemas.dump_airplane(airplane)], "next_cursor": "PK-GLA"}


def test_a_window_answer_gives_times_in_utc():
    window = MaintenanceWindow(id="w1", airplane_id="a1", starts_at=datetime(2026, 12, 1),
                               ends_at=datetime(2026, 12, 2, 6, 30), reason="C-check")
    assert schemas.dump_window(window) == {
        "id": "w1", "airplane_id": "a1", "starts_at": "2026-12-01T00:00:00+00:00",
        "ends_at": "2026-12-02T06:30:00+00:00", "reason": "C-check",
    }


def test_what_track_gets_for_a_flight():
    airplane = Airplane(id="a1", registration="PK-GLA", model_id="m1", status="active", model=a320())
    answer = schemas.dump_airplane_for_flight(airplane)
    assert set(answer) == {"id", "registration", "status", "seats", "seat_counts"}
    assert answer["seats"][:2] == [{"seat": "1A", "class": "business"}, {"seat": "1C", "class": "business"}]
    assert len(answer["seats"]) == 162
    assert answer["seat_counts"] == {"business": 12, "economy": 150}


def test_a_seat_answer_is_the_derived_seat():
    seat = {"seat": "1A", "class": "business", "row": 1, "letter": "A", "position": "window"}
    assert schemas.dump_seats([seat]) == [seat]
