"""Bluetooth LE devices that report each measurement as it is taken, through the real gateway (real
SQLite file): a blood-pressure monitor (0x2A35 indications; its user slot never becomes a patient
id), a pulse oximeter (0x2A5E spot-checks) and a thermometer (0x2A1C). The monitor is the fake GATT client of
test_ble_link.py (no Bluetooth controller on the test machines)."""

from __future__ import annotations

import asyncio
import sqlite3
import struct
from pathlib import Path

from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import TcpListenSpec
from tests.devices.ble.meter import sfloat_bits
from tests.devices.ble.test_ble_link import subscribed_fake
from tests.devices.gateway.harness import running_gateway, wait_until

PROFILE = load_profile("ble-bp_monitor")
BP = "00002a35-0000-1000-8000-00805f9b34fb"


def indication(flags: int, sys_: tuple[int, int], dia: tuple[int, int], pulse: int, minute: int) -> bytes:
    data = bytes([flags | 0x02 | 0x04 | 0x08]) + struct.pack(
        "<HHH", sfloat_bits(*sys_), sfloat_bits(*dia), 0x07FF
    )
    return (
        data
        + struct.pack("<HBBBBB", 2026, 11, 20, 9, minute, 0)
        + struct.pack("<H", sfloat_bits(pulse, 0))
        + b"\x02"
    )


def test_each_indication_is_stored_with_the_vocabulary_codes(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"

    async def scenario() -> list[str]:
        endpoint = endpoint_from_profile(PROFILE, clock=MonotonicClock(), transport=TcpListenSpec(port=0))
        async with running_gateway([endpoint], db) as gateway:
            monitor, session = await subscribed_fake(gateway, endpoint.device_id, "2a35")
            monitor.notify(BP, indication(0x00, (142, 0), (91, 0), 77, 15))
            monitor.notify(BP, indication(0x01, (160, -1), (107, -1), 70, 20))  # kPa
            await wait_until(lambda: gateway.status()[0].results == 8)
            monitor.drop()
            await asyncio.wait_for(session, 5)
            return [f"{s.results} {s.duplicates} {s.quarantined}" for s in gateway.status()]

    assert asyncio.run(scenario()) == ["8 0 0"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT vendor_code, code, value, unit, patient_id FROM device_results"
            " WHERE vendor_code != 'MAP' ORDER BY id"  # mean arterial: stored, not a vocabulary code
        ).fetchall()
    assert rows == [
        ("SYS", "sbp", "142", "mm[Hg]", None),
        ("DIA", "dbp", "91", "mm[Hg]", None),
        ("PR", "heart_rate", "77", "/min", None),
        ("SYS", "sbp", "16", "kPa", None),
        ("DIA", "dbp", "10.7", "kPa", None),
        ("PR", "heart_rate", "70", "/min", None),
    ]


def test_a_pulse_oximeter_and_a_thermometer_subscribe_to_their_own_measurement(tmp_path: Path) -> None:
    from tests.devices.codecs.test_gatt_vitals import spot_check, temperature

    async def one(profile_name: str, uuid: str, value: bytes) -> list[tuple[str, str, str]]:
        db = tmp_path / f"{profile_name}.db"
        endpoint = endpoint_from_profile(
            load_profile(profile_name), clock=MonotonicClock(), transport=TcpListenSpec(port=0)
        )
        async with running_gateway([endpoint], db) as gateway:
            device, session = await subscribed_fake(gateway, endpoint.device_id, uuid)
            device.notify(f"0000{uuid}-0000-1000-8000-00805f9b34fb", value)
            await wait_until(lambda: gateway.status()[0].messages == 1)
            device.drop()
            await asyncio.wait_for(session, 5)
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT code, value, unit FROM device_results ORDER BY id").fetchall()

    assert asyncio.run(one("ble-pulse_oximeter", "2a5e", spot_check(0x01))) == [
        ("spo2", "97", "%"),
        ("heart_rate", "72", "/min"),
    ]
    assert asyncio.run(one("ble-thermometer", "2a1c", temperature(0x02))) == [("temperature", "37.12", "Cel")]
