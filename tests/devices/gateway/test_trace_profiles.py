"""Every bundled ASTM instrument profile, plugged in over a real pty with its real trace, stores
every result exactly once; playing the trace again adds nothing (devices.md section 8 goal and
section 7 item 17, through the live gateway rather than the codec alone)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from devices.decode import decode_message
from devices.link_drivers import endpoint_from_profile
from devices.profile import PROFILE_DIR, load_profile
from devices.session import MonotonicClock
from devices.simulator import SimulatedDevice, trace_messages
from devices.transports.link import Link, SerialSpec, TcpConnectSpec, TcpListenSpec
from devices.transports.pty import open_pty
from devices.transports.tcp import connect_tcp
from tests.devices.gateway.harness import running_gateway, wait_until

TRACES = Path(__file__).resolve().parents[1] / "traces" / "data"
CASES = sorted(p.stem for p in TRACES.glob("*.astm") if (PROFILE_DIR / f"{p.stem}.toml").exists())


def _keys_in_db(db_path: Path) -> Counter[tuple[str, str, str]]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT sample_id, vendor_code, result_time FROM device_results").fetchall()
    return Counter((str(s), str(v), str(t)) for s, v, t in rows)


@pytest.mark.skipif(not CASES, reason="no ASTM traces with bundled profiles in tests/devices/traces/data")
@pytest.mark.parametrize("name", CASES)
def test_trace_through_the_gateway_is_stored_exactly_once(name: str, tmp_path: Path) -> None:
    profile = load_profile(PROFILE_DIR / f"{name}.toml")
    messages = trace_messages((TRACES / f"{name}.astm").read_bytes(), "astm")
    assert messages, f"{name}: no messages found in the trace"
    expected: set[tuple[str, str, str]] = set()
    for message in messages:
        results, _ = decode_message(profile, b"\r".join(message.payload) + b"\r")
        # the gateway's key: the sample id, else the patient (20 patients without a sample id in
        # one Euroimmun message are 20 results, not one and 19 resends)
        expected |= {
            (
                r.sample_id or f"PT {r.patient_id}",
                r.vendor_code,
                r.observed_at.isoformat() if r.observed_at else "",
            )
            for r in results
        }
    assert expected, f"{name}: the codec finds no results in the trace"
    db_path = tmp_path / "clinic.db"
    clock = MonotonicClock()

    async def scenario() -> None:
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await asyncio.sleep(0.05)
            for _round in range(2):  # the second round is a replay of the same capture

                async def connect(pty: Link = pty) -> Link:
                    return pty

                device = SimulatedDevice(
                    "astm-analyzer", connect, messages, profile=profile, close_when_done=False
                )
                report = await asyncio.wait_for(device.run(), 20)
                assert report.unacknowledged == 0
            await wait_until(lambda: gateway.status()[0].messages == 2 * len(messages))
            assert gateway.status()[0].duplicates >= len(expected)  # the replay was absorbed
            await pty.close()

    asyncio.run(scenario())
    stored = _keys_in_db(db_path)
    assert all(n == 1 for n in stored.values()), (
        f"{name}: doubled {[k for k, n in stored.items() if n > 1][:3]}"
    )
    no_time = {(s, v) for s, v, t in expected if not t}
    stored_keys = {(s, v, "" if (s, v) in no_time else t) for s, v, t in stored}
    assert stored_keys == expected, f"{name}: stored {len(stored_keys)} results, expected {len(expected)}"


def test_hl7_capture_played_over_tcp_is_stored_once_and_replay_adds_nothing(tmp_path: Path) -> None:
    """`triage devices simulate --trace FILE --kind hl7-monitor` path: MLLP capture -> messages ->
    a simulated monitor waiting for each ACK -> gateway (generic HL7 profile)."""
    profile = load_profile(PROFILE_DIR / "generic-hl7.toml")
    messages = trace_messages((TRACES / "mindray-bs380.hl7").read_bytes(), "hl7")
    assert messages and all(m.payload[0].startswith(b"MSH") for m in messages)
    expected = sum(len(decode_message(profile, m.payload[0])[0]) for m in messages)
    assert expected > 0
    db_path = tmp_path / "clinic.db"
    clock = MonotonicClock()

    async def scenario() -> None:
        endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            address = gateway.listen_address(profile.device_id)
            for _round in range(2):

                async def connect() -> Link:
                    return await connect_tcp(TcpConnectSpec(host=address[0], port=address[1]))

                report = await asyncio.wait_for(SimulatedDevice("hl7-monitor", connect, messages).run(), 20)
                assert report.unacknowledged == 0
            assert gateway.status()[0].duplicates == expected

    asyncio.run(scenario())
    assert sum(_keys_in_db(db_path).values()) == expected


def test_oximeter_capture_played_over_a_pty_stores_every_reading(tmp_path: Path) -> None:
    """Line protocol: no acknowledgement, so every reading line is its own result set; the
    power-up banner is skipped by the profile, '---' readings are kept as missing values."""
    profile = load_profile(PROFILE_DIR / "nonin-oximeter.toml")
    raw = (TRACES / "nonin-oximeter.txt").read_bytes()
    lines = trace_messages(raw, "line")
    expected = sum(len(decode_message(profile, m.payload[0])[0]) for m in lines)
    assert expected > 0
    db_path = tmp_path / "clinic.db"
    clock = MonotonicClock()

    async def scenario() -> None:
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway([endpoint], db_path, clock=clock):
            await asyncio.sleep(0.1)  # the gateway has the port open before the device talks

            async def connect() -> Link:
                return pty

            await asyncio.wait_for(SimulatedDevice("pulse-oximeter", connect, lines).run(), 10)
            await wait_until(lambda: sum(_keys_in_db(db_path).values()) == expected)

    asyncio.run(scenario())
