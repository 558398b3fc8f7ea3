"""The pure rules of itineraries and passengers (``order.domain``)."""
from datetime import date

import pytest

from order.domain import (
    PassengerError,
    check_connections,
    check_party,
    is_document_name,
    laps,
    last_name_matches,
    passenger_type_on,
    price_passengers,
    share_of_fare,
)

DAY = date(2026, 6, 1)


def traveller(type_, born, seats=(None,), name="Ana Putri"):
    return {"name": name, "type": type_, "birth_date": born, "seats": list(seats)}


def test_types_follow_the_age_on_the_first_departure_day():
    assert passenger_type_on(date(2014, 6, 1), DAY) == "adult"      # 12 that day
    assert passenger_type_on(date(2014, 6, 2), DAY) == "child"      # 12 the day after
    assert passenger_type_on(date(2024, 6, 1), DAY) == "child"      # 2 that day
    assert passenger_type_on(date(2024, 6, 2), DAY) == "infant"
    assert passenger_type_on(date(2026, 5, 31), DAY) == "infant"


def test_a_party_needs_an_adult_and_an_adults_lap_for_each_infant():
    check_party([traveller("adult", date(1990, 4, 1)), traveller("infant", date(2026, 1, 5))], DAY)
    with pytest.raises(PassengerError, match="At least one adult"):
        check_party([traveller("child", date(2018, 1, 1))], DAY)
    with pytest.raises(PassengerError, match="one infant per adult"):
        check_party([traveller("adult", date(1990, 4, 1)), traveller("infant", date(2026, 1, 5)),
                     traveller("infant", date(2025, 12, 5))], DAY)


def test_a_type_the_birth_date_contradicts_is_refused_naming_the_passenger():
    with pytest.raises(PassengerError) as refused:
        check_party([traveller("adult", date(1990, 4, 1)), traveller("adult", date(2020, 1, 1))], DAY)
    assert refused.value.field == "passengers.1.type" and "child" in refused.value.message
    with pytest.raises(PassengerError) as unborn:
        check_party([traveller("adult", date(1990, 4, 1)), traveller("infant", date(2026, 7, 1))], DAY)
    assert unborn.value.field == "passengers.1.birth_date"


def test_an_infant_has_no_seat():
    with pytest.raises(PassengerError) as refused:
        check_party([traveller("adult", date(1990, 4, 1)), traveller("infant", date(2026, 1, 5), ["3A"])], DAY)
    assert refused.value.field == "passengers.1.seats"


def test_a_document_must_be_valid_on_the_day_of_the_last_flight():
    def with_document(expires):
        return dict(traveller("adult", date(1990, 4, 1)), document={"type": "passport", "expires": expires})
    check_party([with_document(date(2026, 6, 5)), traveller("adult", date(1991, 1, 1))], DAY, date(2026, 6, 5))
    with pytest.raises(PassengerError) as expired:
        check_party([traveller("adult", date(1991, 1, 1)), with_document(date(2026, 6, 4))], DAY, date(2026, 6, 5))
    assert expired.value.field == "passengers.1.document.expires" and "2026-06-05" in expired.value.message
    with pytest.raises(PassengerError):  # one flight: its day is the last
        check_party([with_document(date(2026, 5, 31))], DAY)


def flight(origin, destination, departure, arrival):
    return {"origin": origin, "destination": destination, "departure_at": departure, "arrival_at": arrival}


def test_a_connection_leaves_where_the_last_flight_arrived_after_the_minimum_time():
    out = flight("CGK", "DPS", "2026-06-01T08:00:00+00:00", "2026-06-01T10:00:00+00:00")
    check_connections([out, flight("DPS", "CGK", "2026-06-01T10:45:00+00:00", "2026-06-01T12:45:00+00:00")], 45)
    check_connections([out, flight("DPS", "SUB", "2026-06-05T10:00:00+00:00", "2026-06-05T11:00:00+00:00")], 45)
    with pytest.raises(PassengerError, match="at least 45") as tight:
        check_connections([out, flight("DPS", "CGK", "2026-06-01T10:44:00+00:00", "2026-06-01T12:44:00+00:00")], 45)
    assert tight.value.field == "segments.1.flight_id"
    with pytest.raises(PassengerError, match="not from DPS"):
        check_connections([out, flight("SUB", "CGK", "2026-06-02T10:00:00+00:00", "2026-06-02T12:00:00+00:00")], 45)
    with pytest.raises(PassengerError):  # out of time order
        check_connections([out, flight("DPS", "CGK", "2026-05-30T10:00:00+00:00", "2026-05-30T12:00:00+00:00")], 45)


def test_document_names_are_letters_of_any_script_spaces_hyphens_apostrophes():
    for name in ("Ana", "O'Brien", "Jean-Luc", "Müller", "Zoë Smith", "Çelik", "Łukasz", "山田", "Ólafsdóttir",
                 "D\u2019Angelo", "Jose\u0301"):
        assert is_document_name(name), name
    for name in ("", "-Ana", "Ana3", "Ana_B", "R2D2", "Ana.", "'Ana", " Ana"):
        assert not is_document_name(name), name


def test_last_names_match_whatever_the_case_and_accents():
    order = {"passengers": [{"family_name": "Pütri"}, {"family_name": "Núñez García"}]}
    assert last_name_matches(order, "PUTRI") and last_name_matches(order, "putri")
    assert last_name_matches(order, "nunez  garcia")
    assert not last_name_matches(order, "Putr") and not last_name_matches(order, "")
    assert last_name_matches({"passengers": [{"name": "Ada Lovelace", "seat": "1A"}]}, "lovelace")


def test_children_and_infants_pay_their_stated_share():
    assert share_of_fare(1_250_000, "adult") == 1_250_000
    assert share_of_fare(1_250_000, "child") == 937_500
    assert share_of_fare(1_250_000, "infant") == 125_000
    assert share_of_fare(999, "child") == 749  # rounded down to the minor unit


def test_infants_sit_on_adults_laps_and_pay_a_share_of_their_adults_seat():
    passengers = [traveller("adult", date(1990, 1, 1), ["3A", None]),
                  traveller("infant", date(2026, 1, 1), [None, None]),
                  traveller("child", date(2018, 1, 1), [None, None])]
    assert laps(passengers) == {1: 0}
    held = [{"flight_id": "f1", "seats": [{"seat": "3A", "class": "economy", "price": 1000},
                                          {"seat": "3B", "class": "economy", "price": 1000}]},
            {"flight_id": "f2", "seats": [{"seat": "5A", "class": "business", "price": 4000},
                                          {"seat": "5C", "class": "business", "price": 4000}]}]
    adult, infant, child = price_passengers(passengers, held)
    assert [s["seat"] for s in adult["segments"]] == ["3A", "5A"] and adult["price"] == 5000
    assert [s["seat"] for s in infant["segments"]] == [None, None] and infant["on_lap_of"] == 0
    assert [s["class"] for s in infant["segments"]] == ["economy", "business"] and infant["price"] == 100 + 400
    assert [s["seat"] for s in child["segments"]] == ["3B", "5C"] and child["price"] == 750 + 3000
