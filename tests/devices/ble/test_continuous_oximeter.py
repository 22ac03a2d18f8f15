"""A Bluetooth LE pulse oximeter notifying PLX Continuous Measurements (0x2A5F, about one a second)
on a waiting patient, and a weight scale's 0x2A9D indications: which readings are stored
(``devices.continuous_sampling``), the driver's ``Unchanged`` events, and the real gateway with a
real SQLite file counting what it did not store. The device is the fake GATT client of
test_ble_link.py (no Bluetooth controller on the test machines)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from devices.codecs.gatt_lines import subscribe_command, value_line
from devices.codecs.gatt_vitals import ContinuousReading
from devices.continuous_sampling import UnchangedReadings
from devices.link_drivers import endpoint_from_profile, make_driver_factory, plx_reading
from devices.profile import load_profile
from devices.session import MonotonicClock, Received, Send, Unchanged
from devices.tolerance import ToleranceCounter
from devices.transports.link import TcpListenSpec
from tests.devices.ble.meter import sfloat_bits
from tests.devices.ble.test_ble_link import subscribed_fake
from tests.devices.codecs.test_gatt_vitals import continuous
from tests.devices.codecs.test_gatt_weight import weight
from tests.devices.gateway.harness import running_gateway, wait_until
from triage.cli.devices_result_lines import status_line

PLX = "00002a5f-0000-1000-8000-00805f9b34fb"
WEIGHT = "00002a9d-0000-1000-8000-00805f9b34fb"


def sampling(every: float = 60) -> UnchangedReadings[ContinuousReading]:
    """The profile's defaults: SpO2 step 1 point, pulse step 5 /min."""
    return UnchangedReadings(every, plx_reading, lambda a, b: a.close_to(b, 1, 5))


def stored(
    sampling: UnchangedReadings[ContinuousReading], readings: list[tuple[float, bytes]]
) -> list[float]:
    return [now for now, value in readings if sampling.store(value, now)]


def pulse(rate: int) -> bytes:
    return continuous(0x10, pr=sfloat_bits(rate, 0))


def test_a_repeated_reading_is_stored_once_per_interval_and_a_change_at_once() -> None:
    same, low = continuous(0x10), continuous(0x10, spo2=sfloat_bits(89, 0))
    readings = [(float(t), same) for t in range(0, 130)]
    readings[45] = (45.0, low)  # the saturation drops for one reading...
    assert stored(sampling(), readings) == [0.0, 45.0, 46.0, 106.0]
    # ...stored at once, and so is the return to 96 %: a significant change is never delayed


def test_a_jittering_pulse_is_thinned_but_a_climb_or_a_slow_drift_is_stored_at_once() -> None:
    jitter = [81, 82, 80, 83, 79, 81, 84, 78, 82, 80] * 7  # a beat or two with every breath
    assert stored(sampling(), [(float(t), pulse(r)) for t, r in enumerate(jitter)]) == [0.0, 60.0]
    assert stored(sampling(), [(0.0, pulse(81)), (1.0, pulse(92)), (2.0, pulse(93))]) == [0.0, 1.0]
    drift = [(float(t), pulse(81 + t)) for t in range(7)]  # 81, 82 ... 87: compared with the last STORED
    assert stored(sampling(), drift) == [0.0, 5.0]


def test_the_pulse_amplitude_alone_is_no_change_but_a_status_is() -> None:
    beats = [continuous(0x10, amplitude=sfloat_bits(30 + i % 5, -1)) for i in range(10)]
    assert stored(sampling(), [(float(i), b) for i, b in enumerate(beats)]) == [0.0]
    off = continuous(0x18, sensor=1 << 11)  # the probe comes off the finger
    assert stored(sampling(), [(0.0, beats[0]), (1.0, off), (2.0, off)]) == [0.0, 1.0]


def test_zero_stores_every_reading_and_unreadable_bytes_always_reach_the_codec() -> None:
    same = continuous(0x00)
    assert stored(sampling(0), [(0.0, same), (0.5, same), (0.9, same)]) == [0.0, 0.5, 0.9]
    junk = b"\x00\x60"  # too short: decoded by the session's codec and quarantined with the reason
    assert stored(sampling(), [(0.0, junk), (1.0, junk), (2.0, same)]) == [0.0, 1.0, 2.0]


def test_the_driver_reports_unchanged_readings_as_events_not_messages() -> None:
    driver = make_driver_factory(
        load_profile("ble-pulse_oximeter_continuous"), MonotonicClock(), ToleranceCounter()
    )()
    assert driver.poll(0.0) == [Send(subscribe_command("2a5f"))]
    line, near = (
        value_line("2a5f", continuous(0x00)),
        value_line("2a5f", continuous(0x00, pr=sfloat_bits(83, 0))),
    )
    events = driver.feed(line + near + line, 1.0)
    # each message says where its line starts in the link's stream
    assert events == [Received(line, ((0, 0),)), Unchanged(), Unchanged()]
    assert driver.feed(near, 61.0) == [Received(near, ((0, 3 * len(line)),))]


def test_the_gateway_stores_changes_and_counts_the_repeats(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    profile = load_profile("ble-pulse_oximeter_continuous")

    async def scenario() -> str:
        endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))
        async with running_gateway([endpoint], db) as gateway:
            oximeter, session = await subscribed_fake(gateway, endpoint.device_id, "2a5f")
            jitter = [continuous(0x00, pr=sfloat_bits(r, 0)) for r in (81, 82, 80, 81)]
            for value in [*jitter, continuous(0x00, spo2=sfloat_bits(91, 0))]:
                oximeter.notify(PLX, value)
            await wait_until(lambda: gateway.status()[0].messages == 2)
            oximeter.drop()
            await asyncio.wait_for(session, 5)
            (status,) = gateway.status()
            assert (status.messages, status.results, status.unchanged) == (2, 4, 3)
            return status_line(status)

    line = asyncio.run(scenario())
    assert (
        "2 messages; 4 new results stored" in line
        and "3 readings without a significant change not stored; " in line
    )
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT code, value, status FROM device_results ORDER BY id").fetchall()
    assert rows == [
        ("spo2", "96", "final"),
        ("heart_rate", "81", "final"),
        ("spo2", "91", "final"),
        ("heart_rate", "81", "final"),
    ]


def test_a_weight_scale_stores_every_weighing(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    profile = load_profile("ble-weight_scale")

    async def scenario() -> int:
        endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))
        async with running_gateway([endpoint], db) as gateway:
            scale, session = await subscribed_fake(gateway, endpoint.device_id, "2a9d")
            scale.notify(WEIGHT, weight(0x0E))
            scale.notify(WEIGHT, weight(0x01, 15400))  # the same scale in pounds
            await wait_until(lambda: gateway.status()[0].messages == 2)
            scale.drop()
            await asyncio.wait_for(session, 5)
            return gateway.status()[0].unchanged

    assert asyncio.run(scenario()) == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT code, value, unit FROM device_results ORDER BY id").fetchall()
    assert rows == [
        ("weight", "70.35", "kg"),
        ("bmi", "24.3", "kg/m2"),
        ("height", "170.2", "cm"),
        ("weight", "154", "[lb_av]"),
    ]
