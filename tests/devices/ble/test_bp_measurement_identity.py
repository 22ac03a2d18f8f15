"""A blood-pressure measurement (0x2A35) keeps one identity through the real gateway and SQLite
file: a re-read of the same measurement (a monitor sends its stored measurements again after a
reconnect) is a duplicate, never stored twice, and two different measurements with the same device
time - a monitor whose clock says minutes only (seconds 0), or the two users of a two-user
monitor - are two results. The exactly-once key had no sample id for a 2A35 reading (device,
test, device time alone), so the second measurement of the minute was taken for a resend of the
first and dropped: '0 new results, 4 duplicates'. SYNTHETIC readings; the fake GATT client of
test_ble_link.py (no Bluetooth controller on the test machines)."""

from __future__ import annotations

import asyncio
import sqlite3
import struct
from pathlib import Path

from devices.codecs import gatt
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import TcpListenSpec
from tests.devices.ble.meter import sfloat_bits
from tests.devices.ble.test_ble_link import subscribed_fake
from tests.devices.gateway.harness import running_gateway, wait_until

PROFILE = load_profile("ble-bp_monitor")


def indication(
    sys_: int, dia: int, pulse: int, *, user: int = 1, minute: int = 15, with_time: bool = True
) -> bytes:
    """Flags: time stamp (bit 1, unless ``with_time`` is False), pulse (bit 2), user id (bit 3)."""
    flags = (0x02 if with_time else 0) | 0x04 | 0x08
    data = bytes([flags]) + struct.pack("<HHH", sfloat_bits(sys_, 0), sfloat_bits(dia, 0), 0x07FF)
    if with_time:
        data += struct.pack("<HBBBBB", 2026, 11, 20, 9, minute, 0)
    return data + struct.pack("<H", sfloat_bits(pulse, 0)) + bytes([user])


def played(tmp_path: Path, profile: str, uuid: str, *values: bytes) -> tuple[list[tuple[str, str]], str]:
    """``values`` indicated on ``uuid`` by a fake device with the bundled ``profile`` through the
    real gateway into a new SQLite file: the (vendor code, value) rows stored, in order, and the
    gateway's counts ('4 new, 4 duplicates')."""
    db = tmp_path / "clinic.db"

    async def scenario() -> str:
        endpoint = endpoint_from_profile(
            load_profile(profile), clock=MonotonicClock(), transport=TcpListenSpec(port=0)
        )
        async with running_gateway([endpoint], db) as gateway:
            device, session = await subscribed_fake(gateway, endpoint.device_id, uuid)
            for value in values:
                device.notify(f"0000{uuid}-0000-1000-8000-00805f9b34fb", value)
            await wait_until(lambda: gateway.status()[0].messages == len(values))
            device.drop()
            await asyncio.wait_for(session, 5)
            status = gateway.status()[0]
            return f"{status.results} new, {status.duplicates} duplicates"

    counts = asyncio.run(scenario())
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT vendor_code, value FROM device_results ORDER BY id").fetchall()
    return rows, counts


def _played(tmp_path: Path, *values: bytes) -> tuple[list[tuple[str, str]], str]:
    rows, counts = played(tmp_path, "ble-bp_monitor", "2a35", *values)
    return [row for row in rows if row[0] in ("SYS", "DIA")], counts


def test_two_measurements_of_the_same_minute_are_two_results(tmp_path: Path) -> None:
    rows, counts = _played(tmp_path, indication(182, 104, 96), indication(141, 88, 80))
    assert rows == [("SYS", "182"), ("DIA", "104"), ("SYS", "141"), ("DIA", "88")]
    assert counts == "8 new, 0 duplicates"


def test_the_two_users_of_a_monitor_at_the_same_time_are_two_results(tmp_path: Path) -> None:
    rows, counts = _played(tmp_path, indication(150, 95, 70, user=1), indication(150, 95, 70, user=2))
    assert rows == [("SYS", "150"), ("DIA", "95"), ("SYS", "150"), ("DIA", "95")]
    assert counts == "8 new, 0 duplicates"


def test_a_re_read_of_the_same_measurement_is_a_duplicate(tmp_path: Path) -> None:
    rows, counts = _played(tmp_path, indication(182, 104, 96), indication(182, 104, 96))
    assert rows == [("SYS", "182"), ("DIA", "104")]
    assert counts == "4 new, 4 duplicates"


def test_the_identity_is_the_measurement_bytes_whatever_record_carries_them() -> None:
    """The sample id is the measurement's own: the same 2A35 value in a record written otherwise
    (a capture's uppercase hex, spaces in it) is the same measurement; another value is another."""
    value = indication(182, 104, 96)
    lower = f"2a35 {value.hex()}\n".encode()
    upper = f"2A35 {value.hex(' ').upper()}\n".encode()
    ids = {r.sample_id for raw in (lower, upper) for r in gatt.bp_results(PROFILE, value, record=raw)[0]}
    assert len(ids) == 1 and None not in ids
    other = {r.sample_id for r in gatt.bp_results(PROFILE, indication(182, 104, 96, minute=16))[0]}
    assert other.isdisjoint(ids)


def test_without_a_device_time_each_reading_is_its_own_result(tmp_path: Path) -> None:
    """No time stamp: the receipt time is the reading's (as for a line device), so two readings of
    the same values are both stored - a measurement is never dropped for a resend it may not be."""
    same = indication(120, 80, 70, with_time=False)
    rows, counts = _played(tmp_path, same, same)
    assert rows == [("SYS", "120"), ("DIA", "80"), ("SYS", "120"), ("DIA", "80")]
    assert counts == "8 new, 0 duplicates"
