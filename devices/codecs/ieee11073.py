"""IEEE 11073-20601 numbers and times as Bluetooth health characteristics carry them (pure).

* SFLOAT (16 bits): 4-bit signed exponent, 12-bit signed mantissa. Special values NaN 0x07FF,
  NRes 0x0800, +INF 0x07FE, -INF 0x0802 and reserved 0x0801 mean "no value".
* FLOAT (32 bits): 8-bit signed exponent, 24-bit signed mantissa. Special mantissas (exponent 0)
  NaN 0x7FFFFF, NRes 0x800000, +INF 0x7FFFFE, -INF 0x800002, reserved 0x800001.
* Date Time (7 bytes): year (uint16, 0 = not known), month, day (0 = not known), hour, minute,
  second.

Values are kept as (mantissa, exponent) so that unit changes by powers of ten stay exact
(:func:`decimal_text`); ``None`` stands for every special value, never a number.
"""

from __future__ import annotations

import struct
from datetime import datetime
from decimal import Decimal

from devices.errors import CodecError
from referral.plurals import counted

SPECIAL = {0x07FF: "NaN", 0x0800: "NRes", 0x07FE: "+INF", 0x0802: "-INF", 0x0801: "reserved"}
FLOAT_SPECIAL = {
    0x7FFFFF: "NaN",
    0x800000: "NRes",
    0x7FFFFE: "+INF",
    0x800002: "-INF",
    0x800001: "reserved",
}

Number = tuple[int, int]  # (mantissa, exponent): value = mantissa x 10**exponent


def sfloat_parts(raw: int) -> Number | None:
    """A 16-bit SFLOAT as (mantissa, exponent); None for the special (no value) codes."""
    raw &= 0xFFFF
    if raw in SPECIAL:
        return None
    mantissa = raw & 0x0FFF
    if mantissa >= 0x0800:
        mantissa -= 0x1000
    exponent = raw >> 12
    if exponent >= 0x8:
        exponent -= 0x10
    return mantissa, exponent


def float32_parts(raw: int) -> Number | None:
    """A 32-bit FLOAT as (mantissa, exponent); None for the special (no value) codes."""
    raw &= 0xFFFFFFFF
    mantissa = raw & 0xFFFFFF
    exponent = raw >> 24
    if exponent == 0 and mantissa in FLOAT_SPECIAL:
        return None
    if mantissa >= 0x800000:
        mantissa -= 0x1000000
    if exponent >= 0x80:
        exponent -= 0x100
    return mantissa, exponent


def to_float(number: Number | None) -> float | None:
    if number is None:
        return None
    mantissa, exponent = number
    return round(mantissa * 10.0**exponent, 6)


def sfloat(raw: int) -> float | None:
    """Decode a 16-bit IEEE-11073 SFLOAT; None for the special (no value) codes."""
    return to_float(sfloat_parts(raw))


def decimal_text(number: Number, shift: int = 0) -> str:
    """The exact decimal text of ``mantissa x 10**(exponent + shift)`` (``shift`` changes the
    unit by a power of ten, e.g. +5 for kg/L -> mg/dL), without a float's rounding noise."""
    mantissa, exponent = number
    value = Decimal(mantissa).scaleb(exponent + shift).normalize()
    text = f"{value:f}"
    return "0" if text in ("-0", "0") else text


def read_uint(data: bytes, offset: int, size: int, field: str) -> int:
    """An unsigned little-endian integer of ``size`` bytes; :class:`CodecError` names the field
    and the offset when the bytes end early."""
    if offset + size > len(data):
        raise CodecError(
            f"{field} at byte {offset} needs {counted(size, 'bytes')}, only {max(len(data) - offset, 0)} left"
        )
    return int.from_bytes(data[offset : offset + size], "little")


def read_date_time(data: bytes, offset: int, field: str) -> datetime | None:
    """A 7-byte Date Time; None when the year, month or day says "not known"."""
    if offset + 7 > len(data):
        raise CodecError(f"{field} at byte {offset} needs 7 bytes, only {max(len(data) - offset, 0)} left")
    year, month, day, hour, minute, second = struct.unpack_from("<HBBBBB", data, offset)
    if not (year and month and day):
        return None
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise CodecError(
            f"{field} at byte {offset}: {year}-{month}-{day} {hour}:{minute}:{second} is not a time: {exc}"
        ) from None


class FlaggedFields:
    """The fields of a characteristic whose flags byte says which optional fields follow, read in
    order from ``start``. Each read names the field and its byte offset when bytes are missing;
    :meth:`end` refuses bytes the flags did not announce (a misread flag would shift every field)."""

    def __init__(self, data: bytes, what: str, flags: int, start: int) -> None:
        self._data, self._what, self._flags, self.pos = data, what, flags, start

    def take(self, bit: int, size: int, field: str) -> int | None:
        """The next ``size``-byte unsigned field when flag ``bit`` is set, else None."""
        if not self._flags & bit:
            return None
        value = read_uint(self._data, self.pos, size, field)
        self.pos += size
        return value

    def end(self) -> None:
        if len(self._data) != self.pos:
            raise CodecError(
                f"{self._what} flags 0x{self._flags:02X} announce {self.pos} bytes, got {len(self._data)} "
                f"(unexpected bytes from byte {self.pos})"
            )
