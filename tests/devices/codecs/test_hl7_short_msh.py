"""A message cut off inside its MSH segment is refused saying what is missing, not as 'must start
with MSH': 'MSH|^~' (a frame cut after 6 bytes) was told it does not start with MSH, which it does,
as 96b63a69 found for the ASTM header. Found by the mutation pass of devices/codecs/hl7.py (line
231, the 8-byte minimum one step off lived)."""

from __future__ import annotations

import pytest

from devices.codecs.hl7 import Encoding, decode_message, parse_message
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")


@pytest.mark.parametrize(("raw", "chars"), [(b"MSH|", ""), (b"MSH|^", "^"), (b"MSH|^~", "^~")])
def test_an_msh_cut_off_in_its_encoding_characters_says_they_are_incomplete(raw: bytes, chars: str) -> None:
    _, (problem,) = decode_message(PROFILE, raw, base_offset=100)
    assert (problem.reason, problem.byte_offset) == ("unparseable_message", 104)
    assert f'MSH-2 encoding characters "{chars}" are incomplete (need e.g. ^~\\&)' in problem.detail
    assert "must start with MSH" not in problem.detail


def test_an_msh_cut_off_before_its_field_separator_says_so() -> None:
    _, (problem,) = decode_message(PROFILE, b"MSH", base_offset=100)
    assert (problem.byte_offset, problem.detail) == (
        100,
        'byte 0: MSH segment "MSH" is too short: it needs MSH, the field separator and the encoding'
        " characters, as in MSH|^~\\&",
    )


def test_the_shortest_whole_msh_is_read() -> None:
    # 7 bytes: three encoding characters, the subcomponent delimiter left at its default
    assert parse_message(b"MSH|^~\\", PROFILE).enc == Encoding()
    assert parse_message(b"MSH|^~\\&", PROFILE).enc == Encoding()


@pytest.mark.parametrize("raw", [b"PID|1||P", b"", b"MS"])
def test_a_message_that_is_no_msh_is_still_refused_as_such(raw: bytes) -> None:
    _, (problem,) = decode_message(PROFILE, raw, base_offset=100)
    assert problem.byte_offset == 100
    assert problem.detail.startswith("byte 0: HL7 message must start with MSH, got ")
