"""Builders for Bluetooth glucose records and a scripted glucose meter behind the GATT client
interface the BLE link uses (``devices.transports.ble.GattClient``).

There is no Bluetooth controller on the test machines, so this is the one place the device
tests use a fake: :class:`ScriptedMeter` stands in for ``bleak.BleakClient`` (connect,
start_notify, write_gatt_char with response, disconnect, the disconnected callback) and answers
RACP requests from its list of stored records like a meter would, with switchable misbehaviour.
Notifications are delivered on the event loop (``loop.call_soon``), as bleak delivers them.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devices.codecs import racp
from devices.codecs.gatt_lines import short_uuid

WHEN = datetime(2026, 11, 20, 7, 30, 0)


def sfloat_bits(mantissa: int, exponent: int) -> int:
    return ((exponent & 0xF) << 12) | (mantissa & 0x0FFF)


def date_time(when: datetime | None) -> bytes:
    if when is None:
        return bytes(7)
    return struct.pack("<HBBBBB", when.year, when.month, when.day, when.hour, when.minute, when.second)


def measurement(
    seq: int,
    concentration: tuple[int, int] | None = (95, -5),
    *,
    mol: bool = False,
    when: datetime | None = WHEN,
    offset_min: int | None = None,
    type_location: int = 0x11,
    annunciation: int | None = None,
    context: bool = False,
    special: int | None = None,
) -> bytes:
    """A 0x2A18 value. ``concentration`` is (mantissa, exponent) in kg/L (mol/L with ``mol``):
    (95, -5) is 95 mg/dL; None leaves the concentration field out; ``special`` sends that raw
    SFLOAT instead."""
    flags = (0x01 if offset_min is not None else 0) | (0x08 if annunciation is not None else 0)
    flags |= 0x10 if context else 0
    body = struct.pack("<H", seq) + date_time(when)
    if offset_min is not None:
        body += struct.pack("<h", offset_min)
    if concentration is not None or special is not None:
        flags |= 0x02 | (0x04 if mol else 0)
        raw = special if special is not None else sfloat_bits(*concentration)  # type: ignore[misc]
        body += struct.pack("<HB", raw, type_location)
    if annunciation is not None:
        body += struct.pack("<H", annunciation)
    return bytes([flags]) + body


def context(seq: int, meal: int | None = 3, *, hba1c: tuple[int, int] | None = None, extra: int = 0) -> bytes:
    """A 0x2A34 value: meal 1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime."""
    flags = (0x02 if meal is not None else 0) | (0x40 if hba1c is not None else 0) | extra
    body = struct.pack("<H", seq)
    if flags & 0x80:
        body += b"\x00"
    if flags & 0x01:
        body += b"\x01" + struct.pack("<H", sfloat_bits(50, -3))
    if meal is not None:
        body += bytes([meal])
    if flags & 0x04:
        body += b"\x11"
    if flags & 0x08:
        body += struct.pack("<HB", 1800, 50)
    if flags & 0x10:
        body += b"\x01" + struct.pack("<H", sfloat_bits(10, -6))
    if hba1c is not None:
        body += struct.pack("<H", sfloat_bits(*hba1c))
    return bytes([flags]) + body


def response_code(request_op: int, code: int) -> bytes:
    return bytes([racp.RESPONSE_CODE, racp.NULL, request_op, code])


@dataclass
class StoredRecord:
    seq: int
    measurement: bytes
    context: bytes | None = None


def record(seq: int, *, meal: int | None = None, **kw: Any) -> StoredRecord:
    return StoredRecord(
        seq, measurement(seq, context=meal is not None, **kw), context(seq, meal) if meal else None
    )


@dataclass
class ScriptedMeter:
    """A glucose meter's GATT server as the BLE link sees it (see the module docstring)."""

    records: list[StoredRecord]
    ignore_filter: bool = False  # answers "records >= N" with every record
    unsupported: frozenset[int] = frozenset()  # operators answered "operator not supported"
    silent: bool = False  # never answers the RACP request
    in_progress_once: bool = False  # the first RACP write fails: procedure already in progress
    no_context: bool = False  # the meter has no 0x2A34 characteristic
    disconnect_after: int | None = None  # drops the connection after sending this many records
    refuse_with: int | None = None  # answers every request with this response code
    requests: list[bytes] = field(default_factory=list)
    subscribed: list[str] = field(default_factory=list)
    connected: bool = False
    _callbacks: dict[str, Callable[[Any, bytearray], Any]] = field(default_factory=dict)
    _on_disconnect: Callable[[object], None] | None = None
    _sent: int = 0

    def client(self, disconnected: Callable[[object], None]) -> ScriptedMeter:
        """The ``make_client`` factory ``open_ble`` takes."""
        self._on_disconnect = disconnected
        self._sent = 0
        return self

    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self) -> None:
        if self.connected:
            self.connected = False
            if self._on_disconnect is not None:
                asyncio.get_running_loop().call_soon(self._on_disconnect, self)

    async def start_notify(self, char_specifier: str, callback: Callable[[Any, bytearray], Any]) -> None:
        uuid = short_uuid(char_specifier)
        if uuid == "2a34" and self.no_context:
            raise RuntimeError(f"Characteristic {char_specifier} was not found!")
        self.subscribed.append(uuid)
        self._callbacks[uuid] = callback

    def _notify(self, uuid: str, data: bytes) -> None:
        asyncio.get_running_loop().call_soon(self._callbacks[uuid], object(), bytearray(data))

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool) -> None:
        assert short_uuid(char_specifier) == "2a52" and response
        self.requests.append(bytes(data))
        if self.in_progress_once:
            self.in_progress_once = False
            raise RuntimeError("Protocol Error 0xFE: Procedure Already in Progress")
        op, operator = data[0], data[1]
        if op == racp.ABORT:
            self._notify("2a52", response_code(racp.ABORT, racp.SUCCESS))
            return
        if self.silent:
            return
        if self.refuse_with is not None:
            self._notify("2a52", response_code(op, self.refuse_with))
            return
        if operator in self.unsupported:
            self._notify("2a52", response_code(op, racp.OPERATOR_NOT_SUPPORTED))
            return
        chosen = list(self.records)
        if operator == racp.GREATER_OR_EQUAL and not self.ignore_filter:
            start = int.from_bytes(data[3:5], "little")
            chosen = [r for r in chosen if r.seq >= start]
        elif operator == racp.LAST:
            chosen = chosen[-1:]
        for stored in chosen:
            if self.disconnect_after is not None and self._sent >= self.disconnect_after:
                await self.disconnect()
                return
            self._sent += 1
            self._notify("2a18", stored.measurement)
            if stored.context is not None and not self.no_context:
                self._notify("2a34", stored.context)
        self._notify("2a52", response_code(op, racp.SUCCESS if chosen else racp.NO_RECORDS))
