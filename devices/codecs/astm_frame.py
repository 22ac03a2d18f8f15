"""ASTM E1381 / CLSI LIS01-A2 frames: checksum, building, and scanning a byte buffer for frames.

A frame is ``STX FN text ETB|ETX C1 C2 CR LF``. The checksum is the sum of the bytes from FN
through ETB/ETX inclusive, modulo 256, sent as two uppercase hex digits (most significant first)
and read in either case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices.tolerance import ToleranceCounter
from referral.errors import json_text

ENQ, ACK, NAK, EOT = b"\x05", b"\x06", b"\x15", b"\x04"
STX, ETX, ETB = b"\x02", b"\x03", b"\x17"
CR, LF = b"\r", b"\n"
STX_I, ETX_I, EOT_I, ENQ_I = 0x02, 0x03, 0x04, 0x05
#: Bytes that may never appear in frame text (LIS01-A2 6.6); LF only ends a frame.
RESTRICTED = frozenset(
    {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17}
)
_HEX_PAIR = re.compile(rb"[0-9A-Fa-f]{2}")
_CONTROL = re.compile(rb"[\x02\x03\x04\x05\x17]")


def checksum(body: bytes) -> bytes:
    """Two uppercase hex digits of ``sum(body) % 256``; ``body`` runs from FN through ETB/ETX."""
    return b"%02X" % (sum(body) & 0xFF)


def build_frame(number: int, text: bytes, final: bool) -> bytes:
    """One wire frame: ``STX FN text ETX|ETB C1 C2 CR LF`` with ``FN = number % 8``."""
    body = b"%d" % (number % 8) + text + (ETX if final else ETB)
    return STX + body + checksum(body) + CR + LF


def split_records(records: list[bytes], frame_text_size: int = 240) -> list[tuple[bytes, bool]]:
    """Frame texts for a message: every record starts a new frame (LIS01-A2 6.3.1.1) and ends with
    CR; a record longer than ``frame_text_size`` continues in ETB frames. Returns (text, final)."""
    out: list[tuple[bytes, bool]] = []
    for record in records:
        text = record + CR
        bad = RESTRICTED.intersection(text)
        if bad:
            raise ValueError(f"record contains restricted character(s) {sorted(bad)}; escape them first")
        for start in range(0, len(text), frame_text_size):
            chunk = text[start : start + frame_text_size]
            out.append((chunk, start + frame_text_size >= len(text)))
    return out


@dataclass(slots=True)
class Frame:
    """A frame found in a buffer. ``problem`` is None when the frame is intact."""

    number: int | None
    text: bytes
    final: bool
    start: int  # offset of STX in the scanned buffer
    end: int  # offset just past the checksum (trailer not included)
    problem: str | None


def scan_frame(buf: bytes | bytearray, start: int, max_frame: int) -> Frame | None:
    """Parse the frame whose STX is at ``buf[start]``; ``None`` if more bytes are needed.

    ``problem`` is ``"checksum"`` when the checksum is not exactly the uppercase value: call
    :func:`verify_checksum_case` for the verdict (the same value in lowercase hex is accepted).

    A frame interrupted by another STX, ENQ or EOT before its end is returned with a problem and
    ``end`` at the interrupting byte, so the caller can NAK it and resynchronise.
    """
    limit = min(len(buf), start + max_frame + 8)
    m = _CONTROL.search(buf, start + 1, limit)
    if m is None:
        if limit < len(buf):
            return Frame(None, b"", False, start, limit, f"frame longer than {max_frame} characters")
        return None
    i = m.start()
    if buf[i] in (STX_I, ENQ_I, EOT_I):
        return Frame(None, bytes(buf[start + 1 : i]), False, start, i, _interrupted(buf, start, i))
    if i + 3 > len(buf):
        return None
    body = bytes(buf[start + 1 : i + 1])
    sent = bytes(buf[i + 1 : i + 3])
    final = buf[i] == ETX_I
    if len(body) < 2:
        return Frame(None, b"", final, start, i + 3, "frame has no frame number")
    fn_byte = body[0]
    number = fn_byte - 0x30 if 0x30 <= fn_byte <= 0x37 else None
    text = body[1:-1]
    if number is None:
        return Frame(None, text, final, start, i + 3, f"frame number {json_text(chr(fn_byte))} is not 0-7")
    if _HEX_PAIR.fullmatch(sent) is None:
        return Frame(
            number,
            text,
            final,
            start,
            i + 3,
            f"checksum {json_text(sent.decode('latin-1'))} is not two hex digits",
        )
    return Frame(number, text, final, start, i + 3, None if sent == checksum(body) else "checksum")


_INTERRUPTER = {
    STX_I: "STX (a new frame: line noise, or the device gave the frame up)",
    ENQ_I: "ENQ (the device restarted mid-frame, or line noise)",
    EOT_I: "EOT (the device ended the session mid-frame)",
}


def _interrupted(buf: bytes | bytearray, start: int, at: int) -> str:
    """Why a frame stopped before its ETX/ETB: the control byte that came instead, and the
    frame's number when it was read (an integrator looks for that frame in the wire log)."""
    fn = buf[start + 1] if at > start + 1 else None
    number = f"frame number {fn - 0x30}, " if fn is not None and 0x30 <= fn <= 0x37 else ""
    return f"frame interrupted before ETX/ETB ({number}{at - start} bytes) by {_INTERRUPTER[buf[at]]}"


def verify_checksum_case(
    buf: bytes | bytearray,
    frame: Frame,
    counter: ToleranceCounter,
    device_id: str,
    *,
    at: int = 0,
    logged: bool = True,
) -> str | None:
    """Full checksum verdict for a scanned frame: the mismatch, or None. The checksum is read
    case-insensitively (LIS01-A2 senders write uppercase; a device writing lowercase hex is still
    checked digit for digit): a lowercase one is accepted and counted as the device's quirk
    ``lowercase_checksum`` (``at``: the stream's byte of ``buf[0]``), its WARNING only when
    ``logged`` (the receiver says it once per connection)."""
    sent = bytes(buf[frame.end - 2 : frame.end])
    body = bytes(buf[frame.start + 1 : frame.end - 2])
    expected = checksum(body)
    if sent.upper() != expected:
        return f"checksum mismatch: frame says {sent.decode('latin-1')}, computed {expected.decode()}"
    if sent != expected:
        counter.fire(
            device_id,
            "lowercase_checksum",
            f"frame {frame.number} at byte {at + frame.start} ({sent.decode('latin-1')})",
            logged=logged,
        )
    return None
