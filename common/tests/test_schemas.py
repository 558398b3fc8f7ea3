"""Free text with control characters is refused at the edge, with the field named."""
import pytest
from marshmallow import ValidationError

from common.schemas import control_character_errors, no_control_characters, unsafe_character


@pytest.mark.parametrize("text", ["Ana\x00Putri", "Ana\x07", "line\nbreak", "tab\there", "\u202eirtuP anA",
                                  "Ana\u2066Putri", "\ud800"])
def test_control_bidi_and_surrogate_characters_are_unsafe(text):
    assert unsafe_character(text) is not None
    with pytest.raises(ValidationError, match="control character"):
        no_control_characters(text)


@pytest.mark.parametrize("text", ["Ana Putri", "O'Brien-Smith", "José Núñez", "Zoë", "李小龍", "ابن سينا", ""])
def test_names_in_any_script_are_safe(text):
    assert unsafe_character(text) is None
    no_control_characters(text)


def test_errors_name_the_nested_field():
    body = {"flight_id": "f1", "passengers": [{"name": "Ana"}, {"name": "Budi\x00", "seat": "1A"}]}
    assert control_character_errors(body) == {"passengers": {1: {"name": ["Contains a control character (U+0000)."]}}}
    assert control_character_errors({"ok": ["fine", 1, None, {"x": True}]}) == {}
    bad_key = "bad\x07key"
    assert control_character_errors({bad_key: 1}) == {repr(bad_key): ["Contains a control character (U+0007)."]}
