"""Escape sequences resolved left to right when two escape characters meet (``<e><e>``: an empty
sequence, no standard name, kept as sent); the sequence after it still resolves (HL7 v2.5 2.7,
ASTM E1394 7.1.3); a sequence kept as sent is followed by the text after it once, and a hex
sequence whose first digit is no hex digit is kept, not decoded. Each case killed a mutant of
devices/codecs/escapes.py (the closing escape looked for one character later, one character more
kept, the first hex digit not checked) that tests/devices/codecs/test_escapes.py let live; and which
repetition of a value field holds the value (``one_value``: none, one, several; a repetition of
component delimiters or spaces alone holds nothing), whose mutants the same file let live."""

from __future__ import annotations

import pytest

from devices.codecs.escapes import one_value, resolve
from devices.results import Quarantine

NAMED = {"F": "|", "S": "^", "E": "\\", "H": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\\\\\F\\", "\\\\|"),  # <e><e> kept, then <e>F<e>
        ("a\\\\b\\S\\c", "a\\\\b^c"),
        ("\\\\", "\\\\"),
    ],
)
def test_an_empty_sequence_is_kept_and_the_next_one_resolves(text: str, expected: str) -> None:
    assert resolve(text, "\\", NAMED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\Zab\\c", "\\Zab\\c"),  # an unknown sequence, then text: the text once
        ("\\XG1\\", "\\XG1\\"),  # not hex from its first digit: kept, not decoded
        ("\\XG1\\F\\", "\\XG1\\F\\"),
    ],
)
def test_a_sequence_kept_as_sent_keeps_what_follows_it(text: str, expected: str) -> None:
    assert resolve(text, "\\", NAMED) == expected


PROBLEM = (b"raw", 0, "dev")


@pytest.mark.parametrize(
    ("field", "index"),
    [
        ("", 0),  # no value at all: the first (empty) repetition
        ("5.1", 0),
        ("~5.1", 1),
        ("5.1~ ", 0),  # spaces alone hold nothing
        ("^^~5.1", 1),  # component delimiters alone hold nothing
        ("~ ^ ~", 0),
    ],
)
def test_the_one_repetition_that_holds_the_value(field: str, index: int) -> None:
    assert one_value(field, "~", "^", "R.4", PROBLEM) == index


@pytest.mark.parametrize("field", ["5.1~6.2", "5.1~6.2~7.3", "~5.1~^6.2"])
def test_several_repetitions_with_a_value_are_not_used(field: str) -> None:
    held = one_value(field, "~", "^", "R.4", PROBLEM)
    assert isinstance(held, Quarantine) and held.reason == "repeated_value"
