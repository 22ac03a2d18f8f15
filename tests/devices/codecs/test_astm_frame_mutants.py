"""ASTM E1381 (CLSI LIS01-A2) frames at their edges: a record split into 240-character frame texts
(the last one ETX-final, also when the text fills its frame exactly), a frame found after other
bytes in the buffer (its offsets), a frame interrupted mid-text, a frame with no frame number, and
a frame complete at its checksum before its CR LF arrive. Each case killed a mutant of
devices/codecs/astm_frame.py (a limit or offset one step off, a comparison flipped, an offset
term dropped) that tests/devices/codecs/test_astm_link.py let live."""

from __future__ import annotations

import pytest

from devices.codecs.astm_frame import (
    ETB,
    ETX,
    STX,
    build_frame,
    checksum,
    scan_frame,
    split_records,
    verify_checksum_case,
)
from devices.tolerance import ToleranceCounter


@pytest.mark.parametrize(
    ("length", "texts"),
    [
        (238, [(239, True)]),
        (239, [(240, True)]),  # the record and its CR fill one frame: that frame is the last
        (240, [(240, False), (1, True)]),
        (479, [(240, False), (240, True)]),
    ],
)
def test_a_record_is_split_into_240_character_frame_texts(length: int, texts: list[tuple[int, bool]]) -> None:
    frames = split_records([b"x" * length])
    assert [(len(text), final) for text, final in frames] == texts
    assert b"".join(text for text, _ in frames) == b"x" * length + b"\r"


NOISE = b"noise"


def test_a_frame_after_other_bytes_is_read_at_its_own_offset() -> None:
    wire = build_frame(1, b"H|\\^&\r", final=True)
    buf = NOISE + wire
    frame = scan_frame(buf, len(NOISE), 240)
    assert frame is not None and frame.problem is None
    assert (frame.number, frame.text, frame.final) == (1, b"H|\\^&\r", True)
    assert (frame.start, frame.end) == (len(NOISE), len(buf) - 2)  # end: past the checksum


def test_an_interrupted_frame_keeps_the_text_it_had() -> None:
    buf = NOISE + STX + b"2R|1|^^^GLU" + STX
    frame = scan_frame(buf, len(NOISE), 240)
    assert frame is not None and frame.number is None
    assert frame.text == b"2R|1|^^^GLU"
    assert (frame.start, frame.end) == (len(NOISE), len(buf) - 1)
    assert frame.problem is not None and "frame number 2" in frame.problem


def test_a_frame_with_no_frame_number_is_named_so() -> None:
    buf = NOISE + STX + ETX + checksum(ETX) + b"\r\n"
    frame = scan_frame(buf, len(NOISE), 240)
    assert frame is not None
    assert (frame.problem, frame.final, frame.start, frame.end) == (
        "frame has no frame number",
        True,
        len(NOISE),
        len(NOISE) + 4,
    )


def test_a_frame_is_complete_at_its_checksum_before_its_cr_lf() -> None:
    body = b"3O|1\r" + ETB
    buf = STX + body + checksum(body)
    frame = scan_frame(buf, 0, 240)
    assert frame is not None and frame.problem is None
    assert (frame.number, frame.final, frame.end) == (3, False, len(buf))
    assert scan_frame(buf[:-1], 0, 240) is None  # one checksum digit: more bytes are needed


def test_a_frame_with_an_empty_text_has_its_number() -> None:
    frame = scan_frame(build_frame(1, b"", final=True), 0, 240)
    assert frame is not None and (frame.number, frame.text, frame.problem) == (1, b"", None)


def test_a_frame_text_of_the_largest_size_is_read_after_other_bytes() -> None:
    noise = b"n" * 40  # more than the limit itself: the limit counts from the frame's STX
    wire = build_frame(2, b"x" * 10, final=False)
    frame = scan_frame(noise + wire, len(noise), 10)
    assert frame is not None and frame.problem is None
    assert (frame.number, frame.text) == (2, b"x" * 10)
    too_long = scan_frame(noise + STX + b"2" + b"x" * 40, len(noise), 10)
    assert too_long is not None and too_long.problem == "frame longer than 10 characters"


# LIS01-A2 6.6: the characters that may never appear in a frame's text (LF only ends a frame)
RESTRICTED = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]
ALLOWED = [0x00, 0x07, 0x08, 0x09, 0x0B, 0x0C, 0x0E, 0x0F, 0x18, 0x1B, 0x1C]


@pytest.mark.parametrize("byte", RESTRICTED)
def test_a_record_with_a_restricted_character_is_refused(byte: int) -> None:
    with pytest.raises(ValueError, match="restricted character"):
        split_records([b"R|1|" + bytes([byte])])


@pytest.mark.parametrize("byte", ALLOWED)
def test_a_record_with_another_control_character_is_framed(byte: int) -> None:
    assert split_records([b"R|1|" + bytes([byte])]) == [(b"R|1|" + bytes([byte]) + b"\r", True)]


def test_a_frame_on_the_wire_byte_by_byte() -> None:
    # STX, FN '1', text, ETX, the checksum of '1' + text + ETX (0x31+0x48+0x7C+0x0D+0x03 = 0x105, mod
    # 256: 05), CR LF; ETB instead (0x119: 19), FN 9 % 8 = 1
    assert build_frame(1, b"H|\r", final=True) == b"\x021H|\r\x0305\r\n"
    assert build_frame(9, b"H|\r", final=False) == b"\x021H|\r\x1719\r\n"


@pytest.mark.parametrize("fn", [b"/", b"8", b":"])
def test_a_frame_number_outside_0_to_7_is_named(fn: bytes) -> None:
    body = fn + b"H|\r" + ETX
    frame = scan_frame(STX + body + checksum(body) + b"\r\n", 0, 240)
    assert frame is not None and frame.number is None
    assert frame.problem == f'frame number "{fn.decode()}" is not 0-7'


def test_a_checksum_that_is_not_hex_ends_the_frame_after_it() -> None:
    buf = NOISE + STX + b"1H|\r" + ETX + b"G1\r\n"
    frame = scan_frame(buf, len(NOISE), 240)
    assert frame is not None and frame.problem == 'checksum "G1" is not two hex digits'
    assert frame.end == len(buf) - 2


def test_the_checksum_verdict_reads_the_frame_at_its_own_offset() -> None:
    buf = NOISE + build_frame(1, b"H|\r", final=True)
    frame = scan_frame(buf, len(NOISE), 240)
    assert frame is not None
    assert verify_checksum_case(buf, frame, ToleranceCounter(logged=False), "dev") is None


def test_a_frame_interrupted_right_after_its_number_names_it() -> None:
    frame = scan_frame(NOISE + STX + b"2" + b"\x05", len(NOISE), 240)
    assert frame is not None and frame.problem is not None
    assert frame.problem.startswith("frame interrupted before ETX/ETB (frame number 2, 2 bytes) by ENQ")
