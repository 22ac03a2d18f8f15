"""MLLP de-framing (``VT message FS CR``) at its edges: an empty message, a start byte right after
the start byte (the first frame cut off), and the size limit on both sides of it (the default
16 MiB too). Each case killed a mutant of devices/codecs/mllp.py (an offset or a limit one step
off, a comparison flipped) that the HL7 codec tests let live."""

from __future__ import annotations

from devices.codecs.mllp import FS, VT, MllpDecoder, MllpJunk, MllpMessage, MllpOverflow, frame


def test_an_empty_message_is_a_message() -> None:
    assert MllpDecoder().feed(frame(b"")) == [MllpMessage(b"", 0)]


def test_a_start_byte_right_after_the_start_byte_cuts_the_first_frame_off() -> None:
    events = MllpDecoder().feed(bytes([VT]) + frame(b"MSH|^~\\&|A"))
    assert events == [MllpJunk(bytes([VT]), 0, cut_off=True), MllpMessage(b"MSH|^~\\&|A", 1)]


def test_a_frame_overflows_only_past_its_limit() -> None:
    at_limit = MllpDecoder(max_size=10)
    assert at_limit.feed(bytes([VT]) + b"123456789") == []  # 10 bytes buffered: not past it
    assert at_limit.feed(b"0") == [MllpOverflow(10, 0, bytes([VT]) + b"123456789")]


def test_the_default_limit_is_16_mib() -> None:
    size = 16 * 1024 * 1024
    decoder = MllpDecoder()
    assert decoder.feed(bytes([VT]) + b"x" * (size - 1)) == []
    assert decoder.unfinished == (0, size)
    (overflow,) = decoder.feed(b"x")
    assert isinstance(overflow, MllpOverflow) and (overflow.size, overflow.offset) == (size, 0)
    assert overflow.head == bytes([VT]) + b"x" * (size - 1)


def test_the_end_bytes_end_the_frame_not_fs_alone() -> None:
    decoder = MllpDecoder()
    assert decoder.feed(bytes([VT]) + b"A" + bytes([FS])) == []
    assert decoder.feed(b"\r") == [MllpMessage(b"A", 0)]


def test_the_frame_bytes_on_the_wire() -> None:
    """MLLP (HL7 v2.5.1 Appendix C): start block VT 0x0B, end block FS 0x1C then CR 0x0D."""
    assert frame(b"MSH|^~\\&") == b"\x0bMSH|^~\\&\x1c\x0d"
    assert MllpDecoder().feed(b"\x0bMSH|^~\\&\x1c\x0d") == [MllpMessage(b"MSH|^~\\&", 0)]
