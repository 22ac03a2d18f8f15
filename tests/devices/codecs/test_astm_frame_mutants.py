"""ASTM E1381 (CLSI LIS01-A2) frames at their edges: a record split into 240-character frame texts
(the last one ETX-final, also when the text fills its frame exactly), a frame found after other
bytes in the buffer (its offsets), a frame interrupted mid-text, a frame with no frame number, and
a frame complete at its checksum before its CR LF arrive. Each case killed a mutant of
devices/codecs/astm_frame.py (a limit or offset one step off, a comparison flipped, an offset
term dropped) that tests/devices/codecs/test_astm_link.py let live."""

from __future__ import annotations

import pytest

from devices.codecs.astm_frame import ETB, ETX, STX, build_frame, checksum, scan_frame, split_records


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
