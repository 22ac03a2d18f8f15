"""MLLP de-framing fed a few bytes a read: the same events as fed whole, each byte searched once.

What was wrong: ``MllpDecoder.feed`` searched the frame for its end bytes from its start at every
read, so a frame that arrives a few bytes at a time - a serial port at 9600 baud hands over 1-16
bytes a read - cost a search of all it held so far each time: quadratic in the frame's size
(`python -m bench devices_parse`, "MLLP 64 KiB frame ..." rows). The search now goes on where the
last one stopped. The property test holds it to what it must not change: whatever the chunking,
the events (messages, stray bytes, frames cut off by the next start byte) and their offsets are
those of the whole stream.

The size limit is the frame's too: a frame longer than it before its end bytes was accepted whole
when its end bytes came in the same read (the limit was checked only on a frame still waiting for
them), cut when they came in a later one - so whether a frame near the limit was taken depended
on how the reads split it. The property holds it with a small limit and frames around it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.codecs.mllp import (
    CR,
    FS,
    VT,
    MllpDecoder,
    MllpEvent,
    MllpJunk,
    MllpMessage,
    MllpOverflow,
    MllpOverflowRest,
    frame,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: payload bytes: the protocol's own bytes are frequent, so ends split across reads are met often
BYTES = st.sampled_from([VT, FS, CR, 0x0A, 0x4D, 0x7C, 0x00, 0xFF])
PART = st.one_of(
    st.binary(max_size=40).map(lambda b: frame(b.replace(bytes([FS, CR]), b""))),  # a whole frame
    st.lists(BYTES, max_size=12).map(bytes),  # bytes of any kind: junk, stray starts and ends
    st.just(b"\r\n"),
    st.just(bytes([VT]) + b"MSH|cut off"),  # a frame the next start byte cuts off
)


def _events(decoder: MllpDecoder, chunks: list[bytes]) -> tuple[list[MllpEvent], set[tuple[int, int]]]:
    """The events of ``chunks``: the messages and frames cut off as they are, and the stray bytes
    outside frames by their stream offset, CR and LF left out - they are reported as each read
    brings them (the gateway keeps a run in one row, ``devices.gateway_runs``), whitespace alone
    in a read between frames not at all."""
    events: list[MllpEvent] = []
    stray: set[tuple[int, int]] = set()
    for event in (event for chunk in chunks for event in decoder.feed(chunk)):
        if isinstance(event, MllpJunk) and not event.cut_off:
            stray |= {(event.offset + i, b) for i, b in enumerate(event.data) if b not in b"\r\n"}
        else:
            events.append(event)
    return events, stray


def _cut(stream: bytes, points: list[int]) -> list[bytes]:
    cuts = sorted({p % (len(stream) + 1) for p in points})
    return [stream[a:b] for a, b in itertools.pairwise([0, *cuts, len(stream)])]


def _same_whatever_the_chunking(stream: bytes, points: list[int], end: bytes, limit: int) -> list[MllpEvent]:
    """The events of ``stream`` fed whole, asserted the same fed cut at ``points`` and a byte a read
    (and what is left held or being dropped the same); the whole stream's events, not its stray bytes."""
    whole = _events(MllpDecoder(end=end, max_size=limit), [stream])
    chunked = MllpDecoder(end=end, max_size=limit)
    assert _events(chunked, _cut(stream, points)) == whole
    one_by_one = MllpDecoder(end=end, max_size=limit)
    assert _events(one_by_one, [stream[i : i + 1] for i in range(len(stream))]) == whole
    assert (chunked.buffered, chunked.dropping) == (one_by_one.buffered, one_by_one.dropping)
    return whole[0]


ENDS = st.sampled_from([bytes([FS, CR]), bytes([FS]), bytes([FS, CR, 0x0A])])


@SETTINGS
@given(parts=st.lists(PART, max_size=12), points=st.lists(st.integers(0, 2000), max_size=40), end=ENDS)
def test_any_chunking_gives_the_events_of_the_whole_stream(
    parts: list[bytes], points: list[int], end: bytes
) -> None:
    # the default limit, far above these frames
    _same_whatever_the_chunking(b"".join(parts).replace(bytes([FS, CR]), end), points, end, 16 * 1024 * 1024)


#: a small size limit, and frames of its size give or take a few bytes (start byte included)
LIMIT = 16
NEAR_LIMIT = st.integers(LIMIT - 4, LIMIT + 4).flatmap(
    lambda n: st.lists(BYTES.filter(lambda b: b not in (VT, FS)), min_size=n - 1, max_size=n - 1).map(
        lambda body: frame(bytes(body))
    )
)


@SETTINGS
@given(
    parts=st.lists(st.one_of(NEAR_LIMIT, PART), max_size=8),
    points=st.lists(st.integers(0, 400), max_size=40),
    end=ENDS,
)
def test_a_frame_near_the_size_limit_is_cut_or_taken_whatever_the_chunking(
    parts: list[bytes], points: list[int], end: bytes
) -> None:
    stream = b"".join(parts).replace(bytes([FS, CR]), end)
    whole = _same_whatever_the_chunking(stream, points, end, LIMIT)
    for event in whole:  # a message within the limit, an overflow its limit's worth
        if isinstance(event, MllpMessage):
            assert 1 + len(event.data) <= LIMIT
        elif isinstance(event, MllpOverflow):
            assert event.head == stream[event.offset : event.offset + LIMIT] and event.size == LIMIT


@pytest.mark.parametrize("body", [LIMIT - 1, LIMIT])
def test_a_frame_one_byte_over_the_limit_is_cut_in_one_read_as_in_two(body: int) -> None:
    wire = frame(b"x" * body)  # start byte and body: LIMIT bytes (taken) or LIMIT + 1 (cut)
    one_read = MllpDecoder(max_size=LIMIT).feed(wire)
    two = MllpDecoder(max_size=LIMIT)
    two_reads = two.feed(wire[:-2]) + two.feed(wire[-2:])
    assert one_read == two_reads
    assert [type(e) for e in one_read] == (
        [MllpMessage] if body < LIMIT else [MllpOverflow, MllpOverflowRest]
    )


class _CountingBuffer(bytearray):
    """The decoder's buffer, counting the bytes its searches look at (not a timing)."""

    looked_at = 0

    def find(self, sub, start=0, end=None):  # type: ignore[no-untyped-def,override]
        stop = len(self) if end is None else min(end, len(self))
        _CountingBuffer.looked_at += max(0, stop - (start or 0))
        return super().find(sub, start, stop)


def test_a_frame_fed_a_byte_a_read_is_searched_once_not_once_a_read() -> None:
    message = b"MSH|^~\\&|OXIMETER|" + b"x" * 20_000
    wire = frame(message)
    decoder = MllpDecoder()
    decoder._buf = _CountingBuffer()  # the bytes its searches look at are the point of the test
    _CountingBuffer.looked_at = 0
    events = [event for i in range(len(wire)) for event in decoder.feed(wire[i : i + 1])]
    assert [getattr(e, "data", None) for e in events] == [message]
    # each byte looked at a few times at most (the start byte's search, the end's, a cut-off
    # frame's start): it was every byte held so far at every read, 200 million here
    assert _CountingBuffer.looked_at < 4 * len(wire), _CountingBuffer.looked_at
