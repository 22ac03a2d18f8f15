"""Per-session wire log: every byte received (RX) and sent (TX), timestamped, in hex and printable ASCII.

Opt-in per device profile or with ``--wire-log DIR``. **The wire log contains patient data**
(names, sample ids, results travel on the wire) and must be stored and deleted like the clinical
record; ordinary logs never contain it. One file per session:
``<dir>/<device_id>/<session_id>.wire.log``; a line looks like::

    2026-11-25T06:30:01.123456Z RX 0005  05                                 .
    2026-11-25T06:30:01.124010Z TX 0001  06                                 .
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from referral.errors import ConfigError

_CONTROL_NAMES = {
    0x02: "<STX>",
    0x03: "<ETX>",
    0x04: "<EOT>",
    0x05: "<ENQ>",
    0x06: "<ACK>",
    0x0A: "<LF>",
    0x0B: "<VT>",
    0x0D: "<CR>",
    0x15: "<NAK>",
    0x17: "<ETB>",
    0x1C: "<FS>",
}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def printable(data: bytes) -> str:
    """Bytes as text with control characters named (``<STX>1H|...<CR><ETX>``)."""
    out = []
    for byte in data:
        if byte in _CONTROL_NAMES:
            out.append(_CONTROL_NAMES[byte])
        elif 32 <= byte < 127:
            out.append(chr(byte))
        else:
            out.append(f"<{byte:02X}>")
    return "".join(out)


def prepare_folder(folder: Path) -> None:
    """Create the wire log folder (owner-only) before any device connects; a folder that cannot be
    created is a ``ConfigError`` naming it, not a traceback at every connection later."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"wire log folder {folder}: cannot create it ({exc.strerror}); give a folder that can be written"
        ) from None


class WireLog:
    """Appends RX/TX records of one session to its file; flushed after every record."""

    def __init__(self, folder: Path, device_id: str, session_id: str) -> None:
        target = folder / _SAFE_NAME.sub("_", device_id)
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = target / f"{_SAFE_NAME.sub('_', session_id)}.wire.log"
        # Owner-only: the file holds patient identifiers and results.
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # ASCII, as the rx/tx lines are: a note quoting a byte above 0x7F (a NAK reason naming a
        # noisy trailer, a device's note in Chinese) is written escaped (\xc6, \u64cd) - it stopped
        # the session with UnicodeEncodeError
        self._file: TextIO | None = os.fdopen(descriptor, "a", encoding="ascii", errors="backslashreplace")

    def _write(self, direction: str, data: bytes) -> None:
        if self._file is None or not data:
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._file.write(
            f"{stamp} {direction} {len(data):04d}  {data.hex(' ').upper()}  |{printable(data)}|\n"
        )
        self._file.flush()

    def rx(self, data: bytes) -> None:
        self._write("RX", data)

    def tx(self, data: bytes) -> None:
        self._write("TX", data)

    def note(self, text: str) -> None:
        """A session event (open, close, timeout) in the same timeline."""
        if self._file is None:
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._file.write(f"{stamp} -- {text}\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
