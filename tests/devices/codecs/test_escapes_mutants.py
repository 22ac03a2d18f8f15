"""Escape sequences resolved left to right when two escape characters meet (``<e><e>``: an empty
sequence, no standard name, kept as sent); the sequence after it still resolves (HL7 v2.5 2.7,
ASTM E1394 7.1.3). Killed a mutant of devices/codecs/escapes.py (the closing escape looked for one
character later) that tests/devices/codecs/test_escapes.py let live."""

from __future__ import annotations

import pytest

from devices.codecs.escapes import resolve

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
