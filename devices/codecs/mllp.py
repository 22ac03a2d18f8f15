"""MLLP framing (HL7 Minimal Lower Layer Protocol): ``VT message FS CR``, sans-IO.

:class:`MllpDecoder` takes bytes in any chunking (partial and coalesced reads, many messages per
connection) and returns complete messages with their stream offsets. Bytes outside a frame are
reported as junk rather than silently dropped. Start and end bytes are configurable (some vendors
change them).
"""

from __future__ import annotations

from dataclasses import dataclass

VT, FS, CR = 0x0B, 0x1C, 0x0D


@dataclass(frozen=True, slots=True)
class MllpMessage:
    data: bytes  # the HL7 message between the start byte and the end bytes
    offset: int  # stream offset of the start byte


@dataclass(frozen=True, slots=True)
class MllpJunk:
    data: bytes  # bytes seen outside any frame
    offset: int
    #: True for a frame begun and never ended: the next start byte came before the end bytes
    cut_off: bool = False


@dataclass(frozen=True, slots=True)
class MllpOverflow:
    """A frame longer than ``max_size`` (``size``) before its end bytes - whether they came in the
    same read or not: cut there, ``head`` its first ``size`` bytes from its start byte, kept to be
    quarantined (what the device sent); the rest is dropped up to its end bytes or the next start
    byte (:class:`MllpOverflowRest`)."""

    size: int
    offset: int
    head: bytes = b""

    def said(self, end: bytes) -> str:
        """Why it was cut, in the words its quarantine keeps (``end``: the end bytes awaited)."""
        return (
            f"MLLP frame at byte {self.offset} over the size limit of {self.size} bytes before its end "
            f"bytes {end.hex()}: cut, its first {self.size} bytes kept here, the rest up to its end bytes "
            "(or the next start byte) not stored; not acknowledged (no message to answer), so the "
            "device may send it again"
        )


@dataclass(frozen=True, slots=True)
class MllpOverflowRest:
    """The rest of a frame cut at the size limit (:class:`MllpOverflow`), dropped: ``size`` bytes
    from ``offset``, its end bytes included."""

    size: int
    offset: int


MllpEvent = MllpMessage | MllpJunk | MllpOverflow | MllpOverflowRest


def frame(message: bytes, start: int = VT, end: bytes = bytes([FS, CR])) -> bytes:
    """Wrap one HL7 message for the wire."""
    return bytes([start]) + message + end


class MllpDecoder:
    """Incremental MLLP de-framer. ``feed(data)`` returns the events completed by ``data``."""

    def __init__(
        self, start: int = VT, end: bytes = bytes([FS, CR]), max_size: int = 16 * 1024 * 1024
    ) -> None:
        self.start = start
        self.end = end
        self.max_size = max_size
        self._start_byte = bytes([start])
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        self._in_frame = False
        self._after_junk = False  # the last thing outside a frame was junk: a CR/LF goes on with it
        #: In a frame: where the search for its end bytes goes on (the bytes before it hold none),
        #: so a frame fed a few bytes a read (a serial port) is searched once, not once a read.
        self._scan_from = 1
        self._nested_from = 1  # likewise for a start byte inside the frame
        self._rest_at: int | None = None  # the stream byte where a cut frame's rest began

    def feed(self, data: bytes) -> list[MllpEvent]:
        self._buf += data
        events: list[MllpEvent] = []
        while self._buf:
            if self._rest_at is not None and not self._drop_rest(events):
                break
            if not self._in_frame:
                i = self._buf.find(self._start_byte)
                junk = self._buf if i < 0 else self._buf[:i]
                # whitespace between frames (a stray CR/LF after FS) is not worth reporting; after
                # junk it is more of the junk, so a run of stray bytes is reported whole
                if junk.strip(b"\r\n") or (junk and self._after_junk):
                    events.append(MllpJunk(bytes(junk), self._offset))
                    self._after_junk = True
                if i < 0:
                    self._consume(len(self._buf))
                    break
                self._consume(i)
                self._in_frame = True
            j = self._buf.find(self.end, self._scan_from)
            if j < 0:
                # the end bytes may begin in the last bytes and end in the next read
                self._scan_from = max(1, len(self._buf) - len(self.end) + 1)
                if len(self._buf) <= self.max_size:
                    break  # they, or a start byte cutting the frame off, may still come within the limit
            # a start byte before the end bytes cuts the frame off (each byte searched once)
            stop = len(self._buf) if j < 0 else j
            nested = self._buf.find(self._start_byte, self._nested_from, stop)
            self._nested_from = stop
            if j < 0 and nested < 0 and self._earliest_end() <= self.max_size:
                break
            ends = nested if nested >= 0 else j
            # the limit is the frame's (start byte to its end), not what one read brought: a frame
            # past it is cut there whether its end bytes came in the same read or not
            if ends < 0 or ends > self.max_size:
                events.append(MllpOverflow(self.max_size, self._offset, bytes(self._buf[: self.max_size])))
                self._consume(self.max_size)
                self._in_frame = False
                self._rest_at = self._offset
                continue
            if nested >= 0:  # a new start byte before the end: the earlier frame was cut off
                events.append(MllpJunk(bytes(self._buf[:nested]), self._offset, cut_off=True))
                self._consume(nested)
                continue
            events.append(MllpMessage(bytes(self._buf[1:j]), self._offset))
            self._consume(j + len(self.end))
            self._in_frame = False
            self._after_junk = False
        return events

    def _earliest_end(self) -> int:
        """Where the end bytes can begin at the earliest in a frame that holds none yet: in its last
        bytes if they begin the end bytes, else right after it."""
        n = len(self._buf)
        return next(
            (p for p in range(max(1, n - len(self.end) + 1), n) if self.end.startswith(self._buf[p:])), n
        )

    def _drop_rest(self, events: list[MllpEvent]) -> bool:
        """Drop the rest of a frame cut at the size limit up to its end bytes (included) or the
        next start byte; True when it ended (``events`` then says how much was dropped)."""
        assert self._rest_at is not None
        ends = [i for i in (self._buf.find(self.end), self._buf.find(self._start_byte)) if i >= 0]
        if not ends:  # keep what may begin the end bytes
            self._consume(max(0, len(self._buf) - len(self.end) + 1))
            return False
        at = min(ends)
        self._consume(at + len(self.end) if self._buf.startswith(self.end, at) else at)
        events.append(MllpOverflowRest(self._offset - self._rest_at, self._rest_at))
        self._rest_at = None
        return True

    @property
    def unfinished(self) -> tuple[int, int] | None:
        """(stream offset, size) of a frame begun and not yet ended, if any."""
        return (self._offset, len(self._buf)) if self._in_frame and self._buf else None

    @property
    def dropping(self) -> tuple[int, int] | None:
        """(stream offset, bytes dropped so far) of a cut frame's rest whose end has not come yet."""
        return None if self._rest_at is None else (self._rest_at, self._offset - self._rest_at)

    @property
    def buffered(self) -> int:
        """Bytes of an unfinished frame (a receive timeout should report them, not drop them silently)."""
        return len(self._buf)

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n
        self._scan_from = self._nested_from = 1
