"""An H record too short to hold its delimiters is refused as that, not as 'does not start with an
H record': a device that sent 'H|' (a cut-off header) was told its message had no header at all."""

from __future__ import annotations

import pytest

from devices.codecs.astm_records import delimiters_from_header
from devices.errors import CodecError


@pytest.mark.parametrize("header", ["H", "H|", "H|\\", "H|\\^"])
def test_a_header_too_short_for_its_delimiters_says_so(header: str) -> None:
    with pytest.raises(CodecError) as refused:
        delimiters_from_header(header)
    said = str(refused.value)
    assert "does not start with an H record" not in said
    assert said.startswith("H record ") and "too short for its delimiters" in said, said


@pytest.mark.parametrize("header", ["", "P|1", "h|\\^&"])
def test_a_message_without_an_h_record_is_still_refused_as_such(header: str) -> None:
    with pytest.raises(CodecError, match=r"^message does not start with an H record"):
        delimiters_from_header(header)
