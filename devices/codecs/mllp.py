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
    """A frame grew past ``max_size`` without its end bytes; it was dropped."""

    size: int
    offset: int


MllpEvent = MllpMessage | MllpJunk | MllpOverflow


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
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        self._in_frame = False
        self._after_junk = False  # the last thing outside a frame was junk: a CR/LF goes on with it
        #: In a frame: where the search for its end bytes goes on (the bytes before it hold none),
        #: so a frame fed a few bytes a read (a serial port) is searched once, not once a read.
        self._scan_from = 1

    def feed(self, data: bytes) -> list[MllpEvent]:
        self._buf += data
        events: list[MllpEvent] = []
        while self._buf:
            if not self._in_frame:
                i = self._buf.find(bytes([self.start]))
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
                if len(self._buf) > self.max_size:
                    events.append(MllpOverflow(len(self._buf), self._offset))
                    self._consume(len(self._buf))
                    self._in_frame = False
                break
            nested = self._buf.find(bytes([self.start]), 1, j)
            if nested >= 0:  # a new start byte before the end: the earlier frame was cut off
                events.append(MllpJunk(bytes(self._buf[:nested]), self._offset, cut_off=True))
                self._consume(nested)
                continue
            events.append(MllpMessage(bytes(self._buf[1:j]), self._offset))
            self._consume(j + len(self.end))
            self._in_frame = False
            self._after_junk = False
        return events

    @property
    def unfinished(self) -> tuple[int, int] | None:
        """(stream offset, size) of a frame begun and not yet ended, if any."""
        return (self._offset, len(self._buf)) if self._in_frame and self._buf else None

    @property
    def buffered(self) -> int:
        """Bytes of an unfinished frame (a receive timeout should report them, not drop them silently)."""
        return len(self._buf)

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._offset += n
        self._scan_from = 1
