"""The escape-sequence resolver ASTM E1394 and HL7 v2 share (``devices.codecs.escapes``)."""

from __future__ import annotations

import pytest

from devices.codecs.escapes import resolve

NAMED = {"F": "|", "S": "^", "E": "\\", "H": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no escapes", "no escapes"),
        ("a\\F\\b\\S\\c", "a|b^c"),
        ("\\X4142\\", "AB"),  # hex bytes, Latin-1
        ("\\Xe9\\", "\u00e9"),
        ("\\X4\\", "\\X4\\"),  # odd number of hex digits: kept as sent
        ("\\XZZ\\", "\\XZZ\\"),  # not hex: kept
        ("\\X\\", "\\X\\"),  # no digits: kept
        ("\\Zlocal\\", "\\Zlocal\\"),  # a local or unknown sequence: kept
        ("end\\", "end\\"),  # a lone escape character: kept
        ("\\E\\F\\", "\\F\\"),  # left to right: an escaped escape, then 'F\\' as text
        ("\\H\\bold\\H\\", "bold"),
    ],
)
def test_sequences_resolve_left_to_right_and_unknown_ones_stay(text: str, expected: str) -> None:
    assert resolve(text, "\\", NAMED) == expected


def test_the_escape_character_is_the_message_s_own() -> None:
    assert resolve("a&F&b\\F\\", "&", {"F": "|"}) == "a|b\\F\\"
