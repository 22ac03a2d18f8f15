"""The text form of a GATT conversation: how GATT values cross the gateway's byte ``Link``.

The gateway's sessions move bytes; a BLE device speaks in characteristic values. The BLE link
(``devices.transports.ble``) turns each notification or indication into one line, and the lines
the conversation writes into GATT operations. The same lines are the capture format of
``triage devices replay --protocol ble`` and what the wire log shows::

    device -> gateway                      gateway -> device
    2a18 1b0500e8070c05...                 subscribe 2a18
    ! 2a52 fe procedure already in progress  write 2a52 0101
    # a comment (captures)                 disconnect

``<uuid> <hex>`` is a value the device sent (spaces inside the hex are allowed). ``! <uuid>
<att error code in hex, or -> <text>`` says the link could not do what the gateway asked on that
characteristic (a write or subscription refused). UUIDs are written short (``2a18``) for
Bluetooth SIG base UUIDs and in full otherwise. Lines end with LF (CR LF accepted).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from devices.errors import CodecError
from referral.errors import json_text

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"
MAX_LINE = 4096
_SHORT = re.compile(r"^(?:0x)?([0-9a-f]{4})$")
_FULL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def short_uuid(text: str) -> str:
    """``2A18``, ``0x2a18`` or ``00002a18-0000-1000-8000-00805f9b34fb`` -> ``2a18``; other
    128-bit UUIDs lowercased in full. :class:`CodecError` for anything else."""
    t = text.strip().lower()
    m = _SHORT.match(t)
    if m:
        return m.group(1)
    if _FULL.match(t):
        if t.startswith("0000") and t.endswith(BASE_UUID_SUFFIX):
            return t[4:8]
        return t
    raise CodecError(f"{json_text(text)} is not a Bluetooth UUID (e.g. 2a18 or a 128-bit UUID)")


def full_uuid(uuid: str) -> str:
    """The 128-bit form a Bluetooth stack wants."""
    u = short_uuid(uuid)
    return f"0000{u}{BASE_UUID_SUFFIX}" if len(u) == 4 else u


@dataclass(frozen=True, slots=True)
class GattValue:
    """A notification or indication: ``data`` from characteristic ``uuid``; ``offset`` is the
    line's byte offset in the stream or capture."""

    uuid: str
    data: bytes
    offset: int = 0


@dataclass(frozen=True, slots=True)
class GattFailure:
    """The link could not do what the gateway asked on ``uuid`` (``att_code`` when known)."""

    uuid: str
    att_code: int | None
    text: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class GattBadLine:
    raw: bytes
    offset: int
    reason: str


GattLine = GattValue | GattFailure | GattBadLine


def value_line(uuid: str, data: bytes) -> bytes:
    return f"{short_uuid(uuid)} {data.hex()}\n".encode("ascii")


def failure_line(uuid: str, att_code: int | None, text: str) -> bytes:
    code = f"{att_code:02x}" if att_code is not None else "-"
    clean = " ".join(text.split())[:300] or "failed"
    return f"! {short_uuid(uuid)} {code} {clean}\n".encode("ascii", "replace")


def subscribe_command(uuid: str) -> bytes:
    return f"subscribe {short_uuid(uuid)}\n".encode("ascii")


def write_command(uuid: str, data: bytes) -> bytes:
    return f"write {short_uuid(uuid)} {data.hex()}\n".encode("ascii")


DISCONNECT = b"disconnect\n"


def _hex(text: str, what: str, at: int | None = None) -> bytes:
    """``text``'s hex digits as bytes; :class:`CodecError` says which character is wrong and what
    was expected (``at``: the stream offset of ``text``'s first character, to name its byte)."""
    try:
        return bytes.fromhex("".join(text.split()))
    except ValueError:
        said = f"{what}: {json_text(text.strip()[:40])} is not hex bytes"
        wrong = next((i for i, c in enumerate(text) if not (c.isspace() or c in string.hexdigits)), None)
        where = "" if at is None else f"byte {at + (wrong if wrong is not None else 0)}: "
        if wrong is not None:
            raise CodecError(
                f"{said} ({where}{json_text(text[wrong])} is not a hex digit 0-9, a-f)"
            ) from None
        digits = len("".join(text.split()))
        raise CodecError(
            f"{said} ({where}{digits} hex digits: a value is whole bytes, two digits each)"
        ) from None


def parse_line(line: bytes, offset: int = 0) -> GattLine | None:
    """One device line (without its end); None for a blank line, a comment or a gateway command
    (``subscribe``/``write``/``disconnect``: a capture may hold both directions)."""
    try:
        text = line.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        return GattBadLine(
            line,
            offset,
            f"GATT line at byte {offset}: byte {offset + exc.start} is 0x{line[exc.start]:02X}, not ASCII"
            " (a device line is '<uuid> <hex>' or '! <uuid> <code> <text>' in ASCII)",
        )
    if not text or text.startswith("#"):
        return None
    head, _, rest = text.partition(" ")
    # where ``rest`` starts in the stream: after the line's leading blanks, its head and a space
    at = offset + (len(line) - len(line.lstrip())) + len(head) + 1
    if head in ("subscribe", "write", "disconnect"):
        return None
    try:
        if head == "!":
            uuid, _, rest = rest.strip().partition(" ")
            code, _, note = rest.strip().partition(" ")
            att = None if code in ("-", "") else int(code, 16)
            return GattFailure(short_uuid(uuid), att, note.strip(), offset)
        return GattValue(short_uuid(head), _hex(rest, f"value of {head}", at), offset)
    except (CodecError, ValueError) as exc:
        return GattBadLine(line, offset, f"GATT line at byte {offset}: {exc}")


def is_gatt_capture(data: bytes) -> bool:
    """Whether ``data`` is a BLE capture: GATT lines (comments and the gateway's commands
    allowed), at least one a value the device sent, none another kind of line."""
    values = 0
    for line in data.splitlines():
        parsed = parse_line(line)
        if isinstance(parsed, GattBadLine):
            return False
        values += isinstance(parsed, GattValue)
    return values > 0


@dataclass(frozen=True, slots=True)
class Subscribe:
    uuid: str


@dataclass(frozen=True, slots=True)
class Write:
    uuid: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Disconnect:
    pass


GattCommand = Subscribe | Write | Disconnect


def parse_command(line: bytes) -> GattCommand:
    """One gateway line for the BLE link; :class:`CodecError` says what is wrong."""
    text = line.decode("ascii", "replace").strip()
    head, _, rest = text.partition(" ")
    if head == "disconnect" and not rest:
        return Disconnect()
    if head == "subscribe":
        return Subscribe(short_uuid(rest))
    if head == "write":
        uuid, _, data = rest.strip().partition(" ")
        return Write(short_uuid(uuid), _hex(data, f"write to {uuid}"))
    raise CodecError(f"not a GATT command (subscribe, write or disconnect): {json_text(text[:60])}")


class GattLineReader:
    """Cuts a byte stream into GATT lines, however it is chunked (sans-IO)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._offset = 0  # stream offset of the buffer's first byte

    def feed(self, data: bytes) -> list[GattLine]:
        self._buffer += data
        out: list[GattLine] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE:
                    out.append(
                        GattBadLine(
                            bytes(self._buffer[:64]),
                            self._offset,
                            f"GATT line at byte {self._offset}: no LF within {MAX_LINE} bytes (a line"
                            " ends with LF)",
                        )
                    )
                    self._offset += len(self._buffer)
                    self._buffer.clear()
                return out
            line = bytes(self._buffer[:end]).rstrip(b"\r")
            item = parse_line(line, self._offset)
            if item is not None:
                out.append(item)
            del self._buffer[: end + 1]
            self._offset += end + 1

    def flush(self) -> list[GattLine]:
        """The last line of a capture that does not end with LF."""
        return self.feed(b"\n") if self._buffer else []
