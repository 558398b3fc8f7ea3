"""Order input validation, without a broker."""
import pytest

from common.errors import InvalidInput, load_or_raise
from order.schemas import ListOrdersQuerySchema, PlaceOrderSchema


def load(data):
    return load_or_raise(PlaceOrderSchema(), data)


def fields_of(data):
    with pytest.raises(InvalidInput) as caught:
        load(data)
    return caught.value.details["fields"]


def test_valid_order_is_normalised():
    order = load({"flight_id": "f1", "passengers": [{"name": "  Ada   Lovelace ", "seat": "12a"}, {"name": "Bo"}],
                  "class": "business"})
    assert order == {"flight_id": "f1", "cabin_class": "business",
                     "passengers": [{"name": "Ada Lovelace", "seat": "12A"}, {"name": "Bo", "seat": None}]}


def test_class_is_optional():
    assert load({"flight_id": "f1", "passengers": [{"name": "A"}]})["cabin_class"] is None


@pytest.mark.parametrize("passengers", [[], [{"name": f"P{i}"} for i in range(10)]])
def test_zero_or_ten_passengers_are_refused(passengers):
    assert "passengers" in fields_of({"flight_id": "f1", "passengers": passengers})


@pytest.mark.parametrize("passenger", [
    {}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 5}, {"name": "A", "seat": "A12"},
    {"name": "A", "seat": 12}, {"name": "A", "age": 3}, {"name": ["A"]},
])
def test_bad_passengers_are_refused(passenger):
    assert "passengers" in fields_of({"flight_id": "f1", "passengers": [passenger]})


def test_duplicate_seat_is_refused():
    problems = fields_of({"flight_id": "f1", "passengers": [{"name": "A", "seat": "1A"}, {"name": "B", "seat": "1a"}]})
    assert "1A" in str(problems["passengers"])


def test_unknown_top_level_fields_and_types():
    problems = fields_of({"flight_id": 7, "passengers": "Ann", "price": 1})
    assert set(problems) == {"flight_id", "passengers", "price"}


def test_list_query_limits_and_cursor():
    schema = ListOrdersQuerySchema()
    assert load_or_raise(schema, {"limit": "5", "cursor": None}) == {"limit": 5, "cursor": None}
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "not-a-cursor"}):
        with pytest.raises(InvalidInput):
            load_or_raise(schema, bad)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\u202e", "\n"])
def test_a_control_character_in_a_passenger_name_is_refused(char):
    errors = fields_of({"flight_id": "f1", "passengers": [{"name": "Ada"}, {"name": f"Bo{char}b"}]})

    assert errors == {"passengers": {1: {"name": [f"Contains a control character (U+{ord(char):04X})."]}}}


@pytest.mark.parametrize("field", ["flight_id", "class"])
def test_a_control_character_in_any_other_text_is_refused(field):
    body = {"flight_id": "f1", "passengers": [{"name": "Ada"}], field: "x\u202ey"}

    assert list(fields_of(body)) == [field]
