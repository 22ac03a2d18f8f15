"""A vendor line device (STX-framed packets: bioMerieux mini VIDAS, Arkray SPOTCHEM EL) power-cycled
in the middle of a packet, over a real pty. The restarted device sends the whole packet again; it
was joined to the cut one, so the pair failed its checksum (or did not parse) and the result was
never stored - a line device gets no acknowledgement and never sends it again. The cut packet is
now quarantined on its own and the packet after it stored. The device talks once the gateway has
the port open (``link_up``): a fixed 0.1 s pause stood for that, and the bytes of a device that
spoke first were flushed by the port's open on a loaded machine."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import count, running_gateway, wait_until

TRACES = Path(__file__).resolve().parents[1] / "traces" / "data"


@pytest.mark.parametrize(
    ("profile", "trace", "stored", "at"),
    [
        # mini VIDAS names the cut packet by its start; SPOTCHEM EL by its last byte, where the ETX is missing
        ("biomerieux-mini_vidas", "biomerieux-mini_vidas.raw", [("HBCT", "0.05"), ("HBCT/ql", "Positif")], 0),
        (
            "arkray-spotchem_el",
            "arkray-spotchem_el_se1520.raw",
            [("Na", "131"), ("K", "9.7"), ("Cl", "96")],
            29,
        ),
    ],
)
def test_a_packet_cut_by_a_restart_is_quarantined_and_the_next_one_stored(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    profile: str,
    trace: str,
    stored: list[tuple[str, str]],
    at: int,
) -> None:
    packet = (TRACES / trace).read_bytes()
    pty = open_pty()
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        load_profile(profile), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    db_path = tmp_path / "clinic.db"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            # the port is open before the device talks: bytes sent before are flushed by the open
            await wait_until(lambda: gateway.status()[0].link_up)
            await pty.write(packet[:30])  # the power goes here
            await asyncio.sleep(0.05)
            await pty.write(packet)  # the device is back and sends the result again
            await wait_until(lambda: count(db_path, "device_results") == len(stored))
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT vendor_code, value FROM device_results ORDER BY id").fetchall()
        quarantined = conn.execute(
            "SELECT byte_offset, raw FROM device_quarantine WHERE reason NOT LIKE 'unmapped_code%'"
        ).fetchall()
    assert rows == stored
    assert quarantined == [(at, packet[:30])]  # the cut packet, kept with its bytes
